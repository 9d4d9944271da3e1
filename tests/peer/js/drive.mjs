// OpenDeck's driver for the official futu-api JavaScript SDK (npm futu-api@10.11.7108), run
// by tests/peer/test_peer_js.py against the demo gateway's WebSocket port.
//
//   node drive.mjs '{"host":"127.0.0.1","port":33333,"ssl":false,"key":"...","scenario":"full"}'
//
// Prints one JSON object per line: {"step": name, "ok": bool, ...what the SDK returned}.
// Every step has its own deadline; the last line is {"step":"done"}. Scenarios:
//   full     login, GetUserInfo, GetGlobalState, Sub + pushes (quote, ticker, order book),
//            GetAccList, UnlockTrade, SubAccPush, PlaceOrder and its order / fill pushes
//   wrongkey login with the given (wrong) key: the SDK must report a failed login
//   two      two SDK instances in one process, one per gateway ("port" and "port2", keys
//            "key" and "key2"): both log in, both answer GetGlobalState and get pushes
import crypto from "node:crypto";

// the SDK logs to the console; our report owns stdout
console.log = console.info = console.warn = console.debug = (...a) => console.error(...a);

globalThis.WebSocket = (await import("ws")).WebSocket;
const { default: ftWebsocket } = await import("futu-api");

const cfg = JSON.parse(process.argv[2] || "{}");
const STEP_MS = cfg.step_ms || 8000;

function emit(step, ok, extra = {}) {
  process.stdout.write(JSON.stringify({ step, ok, ...extra }) + "\n");
}

// protobufjs messages serialize through toJSON (64-bit ids as strings); plain errors do not
function plain(x) {
  if (x instanceof Error) return { error: String(x) };
  try {
    return JSON.parse(JSON.stringify(x ?? null));
  } catch (e) {
    return String(x);
  }
}

function deadline(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// pushes: every one is kept; waiters are resolved as matching pushes arrive
const pushes = [];
const waiters = [];
function onPush(cmd, obj) {
  const item = { cmd, body: plain(obj) };
  pushes.push(item);
  for (const w of [...waiters]) {
    if (w.pred(item)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(item);
    }
  }
}
function waitPush(pred, what) {
  const seen = pushes.find(pred);
  if (seen) return Promise.resolve(seen);
  return deadline(new Promise((resolve) => waiters.push({ pred, resolve })), STEP_MS, what);
}

// one request step: resolve -> ok with the response; reject -> not ok with what came back
async function call(step, fn) {
  try {
    const resp = await deadline(fn(), STEP_MS, step);
    const body = plain(resp);
    emit(step, true, { retType: body?.retType, s2c: body?.s2c ?? null });
    return body;
  } catch (err) {
    const body = plain(err);
    emit(step, false, { rejected: body });
    return null;
  }
}

const ft = new ftWebsocket();
ft.onPush = onPush;

function login() {
  return deadline(new Promise((resolve) => {
    ft.onlogin = (ret, msg) => resolve({ ret, msg: plain(msg) });
    ft.start(cfg.host, cfg.port, !!cfg.ssl, cfg.key);
  }), cfg.login_ms || 25000, "login");
}

function finish(code) {
  try {
    ft.stop();
    if (ft.websock) ft.websock.close();
  } catch (e) { /* closing is best effort */ }
  emit("done", code === 0);
  setTimeout(() => process.exit(code), 50);
}

async function full() {
  const lg = await login();
  const connID = ft.getConnID ? String(ft.getConnID()) : "";
  emit("login", lg.ret === true, { ret: lg.ret, connID });
  if (lg.ret !== true) return finish(1);

  // the facade has no GetUserInfo method, only the cmd table entry: go through _sendCmd
  const ui = await call("GetUserInfo", () => ft._sendCmd(1005, { c2s: {} }, "GetUserInfo"));
  const userID = ui?.s2c?.userID ?? "0";

  await call("GetGlobalState", () => ft.GetGlobalState({ c2s: { userID } }));

  const sec = { market: 1, code: "00700" };
  await call("Sub", () => ft.Sub({ c2s: {
    securityList: [sec], subTypeList: [1, 4, 2], isSubOrUnSub: true,
    isRegOrUnRegPush: true, isFirstPush: true } }));
  for (const [cmd, name] of [[3005, "push BasicQot"], [3011, "push Ticker"],
                             [3013, "push OrderBook"]]) {
    try {
      const p = await waitPush((x) => x.cmd === cmd, name);
      const s2c = p.body?.s2c ?? {};
      const security = s2c.security ?? s2c.basicQotList?.[0]?.security ?? null;
      emit(name, true, { cmd, retType: p.body?.retType, security,
                         count: pushes.filter((x) => x.cmd === cmd).length });
    } catch (err) {
      emit(name, false, { error: String(err) });
    }
  }

  const accs = await call("GetAccList", () => ft.GetAccList({ c2s: { userID } }));
  const list = accs?.s2c?.accList ?? [];
  // a real HK securities account: its orders need the unlock
  const acc = list.find((a) => a.trdEnv === 1 && (a.trdMarketAuthList || []).includes(1));
  if (!acc) {
    emit("pick account", false, { accounts: list.length });
    return finish(1);
  }

  const pwdMD5 = crypto.createHash("md5").update(cfg.password || "123456").digest("hex");
  await call("UnlockTrade", () => ft.UnlockTrade({ c2s: { unlock: true, pwdMD5, securityFirm: 1 } }));
  await call("SubAccPush", () => ft.SubAccPush({ c2s: { accIDList: [acc.accID] } }));

  const header = { trdEnv: 1, accID: acc.accID, trdMarket: 1 };
  const placed = await call("PlaceOrder", () => ft.PlaceOrder({ c2s: {
    packetID: { connID, serialNo: 1 }, header, trdSide: 1, orderType: 2, code: "00700",
    qty: 100, secMarket: 1 } }));
  const orderID = placed?.s2c?.orderID ?? null;
  if (orderID !== null) {
    try {
      const p = await waitPush((x) => x.cmd === 2208 && x.body?.s2c?.order?.orderID === orderID,
                               "order push");
      emit("push UpdateOrder", true, { orderID, orderStatus: p.body.s2c.order.orderStatus });
    } catch (err) {
      emit("push UpdateOrder", false, { error: String(err) });
    }
    try {
      const p = await waitPush((x) => x.cmd === 2208 && x.body?.s2c?.order?.orderID === orderID
                                 && x.body.s2c.order.orderStatus === 11, "filled order push");
      emit("push UpdateOrder filled", true, { orderID, fillQty: p.body.s2c.order.fillQty });
    } catch (err) {
      emit("push UpdateOrder filled", false, { error: String(err) });
    }
    try {
      const p = await waitPush((x) => x.cmd === 2218, "fill push");
      emit("push UpdateOrderFill", true, { orderID: p.body.s2c.orderFill.orderID,
                                           qty: p.body.s2c.orderFill.qty });
    } catch (err) {
      emit("push UpdateOrderFill", false, { error: String(err) });
    }
  }
  const notifies = pushes.filter((x) => x.cmd === 1003).length;
  emit("pushes seen", true, { notifies, by_cmd: countBy(pushes) });
  finish(0);
}

function countBy(items) {
  const out = {};
  for (const x of items) out[x.cmd] = (out[x.cmd] || 0) + 1;
  return out;
}

async function wrongkey() {
  try {
    const lg = await login();
    emit("login", lg.ret === true, { ret: lg.ret, msg: lg.msg });
  } catch (err) {
    emit("login", false, { error: String(err) });
  }
  finish(0);
}

async function two() {
  const peers = [[cfg.port, cfg.key], [cfg.port2, cfg.key2]].map(([port, key], i) => {
    const inst = new ftWebsocket();
    const seen = [];
    inst.onPush = (cmd) => seen.push(cmd);
    const ready = deadline(new Promise((resolve) => {
      inst.onlogin = (ret) => resolve(ret);
      inst.start(cfg.host, port, !!cfg.ssl, key);
    }), cfg.login_ms || 25000, `login ${i}`);
    return { inst, seen, ready };
  });
  const rets = await Promise.all(peers.map((p) => p.ready.catch((e) => String(e))));
  emit("login both", rets.every((r) => r === true), { rets,
       connIDs: peers.map((p) => String(p.inst.getConnID())) });
  for (const [i, p] of peers.entries()) {
    await call(`GetGlobalState ${i}`, () => p.inst.GetGlobalState({ c2s: { userID: 0 } }));
    await call(`Sub ${i}`, () => p.inst.Sub({ c2s: {
      securityList: [{ market: 1, code: "00700" }], subTypeList: [1], isSubOrUnSub: true,
      isRegOrUnRegPush: true, isFirstPush: true } }));
  }
  const t0 = Date.now();
  while (Date.now() - t0 < STEP_MS && !peers.every((p) => p.seen.includes(3005))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  emit("pushes both", peers.every((p) => p.seen.includes(3005)),
       { counts: peers.map((p) => p.seen.filter((c) => c === 3005).length) });
  for (const p of peers) {
    p.inst.stop();
    p.inst.websock.close();
  }
  emit("done", true);
  setTimeout(() => process.exit(0), 50);
}

const scenarios = { full, wrongkey, two };
(scenarios[cfg.scenario] || full)().catch((err) => {
  emit("crash", false, { error: String(err && err.stack || err) });
  finish(2);
});
