"""HTTP handlers: parse, call one gRPC method, answer JSON."""
