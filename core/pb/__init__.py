"""Generated protobuf modules (see scripts/gen_proto.py). Do not edit *_pb2.py by hand."""
