; Inno Setup 6 script: OpenDeck setup .exe around the PyInstaller one-folder bundle.
;
; NOT RUN HERE. The project's own CI is Linux; this script is built on a windows-latest runner
; by .github/workflows/desktop.yml (job "windows"). Steps, from the repository root:
;
;   python -m pip install -e .[package]
;   python packaging\render_icons.py --no-png --ico packaging\build\icons\opendeck.ico
;   python -m PyInstaller --noconfirm --distpath packaging\build\dist --workpath packaging\build\work packaging\opendeck.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\opendeck.iss      (version: importlib.metadata)
;
; The bundle holds opendeck.exe (windowed; Start menu) and opendeck-cli.exe (console twin for
; `opendeck-cli --version`, `opendeck-cli gateway`, `opendeck-cli probe`), sharing _internal\.
; Output: dist\OpenDeck-<version>-setup.exe. Per-user install by default (no UAC prompt);
; /ALLUSERS or the dialog switches to Program Files. Silent: /VERYSILENT /SUPPRESSMSGBOXES.
; Signing (optional): add  SignTool=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /f $qcert.pfx$q /p $qPASSWORD$q $f
; and pass /Ssigntool=... to iscc; unsigned PyInstaller bootloaders often trip SmartScreen/AV.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\opendeck.iss
#endif
#define AppName "OpenDeck"
#define AppExe "opendeck.exe"
; Paths are relative to this file's folder.
#define BundleDir "..\build\dist\opendeck"
#define IconFile "..\build\icons\opendeck.ico"

[Setup]
; Keep AppId constant across releases: it is how upgrades and the uninstaller find the app.
AppId={{077F39F1-8AEB-4AB7-BCD2-85C369042984}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=OpenDeck maintainers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=OpenDeck-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "OpenD connection manager"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the app could have created inside its own folder; user data under %APPDATA% stays.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
