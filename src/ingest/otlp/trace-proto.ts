/**
 * The OTLP trace export messages, as protobuf: the parts of
 * opentelemetry-proto (v1.x, Apache-2.0) that tally reads, with the field
 * numbers of `opentelemetry/proto/{collector/trace/v1/trace_service,
 * trace/v1/trace, common/v1/common, resource/v1/resource}.proto`. Fields
 * left out here (span events and links, trace state, flags, dropped counts,
 * schema URLs) are skipped by the decoder as unknown fields, as protobuf
 * readers do.
 *
 * A decoded request is turned into the OTLP/JSON shape (lowerCamelCase
 * names, int64 as decimal strings, trace and span ids as hex), so one reader
 * handles both encodings.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }

message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }

// google.rpc.Status (google/rpc/status.proto), the body of an OTLP/HTTP error answer; details are not sent.
message RpcStatus { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(PROTO).root;
const request = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const response = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');
const status = root.lookupType('opentelemetry.proto.RpcStatus');

const ID_FIELDS = ['traceId', 'spanId', 'parentSpanId'] as const;

/** base64 (protobufjs' rendering of bytes) → lower-case hex, as OTLP/JSON writes ids. */
function idsToHex(span: Record<string, unknown>): void {
  for (const field of ID_FIELDS) {
    const v = span[field];
    if (typeof v === 'string') span[field] = Buffer.from(v, 'base64').toString('hex');
  }
}

/**
 * Decodes a protobuf ExportTraceServiceRequest into its OTLP/JSON shape.
 * Throws protobufjs' error when the bytes are not one.
 */
export function decodeTraceRequest(bytes: Uint8Array): Record<string, unknown> {
  const message = request.decode(bytes);
  const json = request.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, oneofs: false });
  const resourceSpans: unknown = json.resourceSpans;
  if (Array.isArray(resourceSpans)) {
    for (const rs of resourceSpans as Record<string, unknown>[]) {
      const scopeSpans: unknown = rs.scopeSpans;
      if (!Array.isArray(scopeSpans)) continue;
      for (const ss of scopeSpans as Record<string, unknown>[]) {
        const spans: unknown = ss.spans;
        if (Array.isArray(spans)) for (const span of spans as Record<string, unknown>[]) idsToHex(span);
      }
    }
  }
  return json;
}

/** An ExportTraceServiceResponse, with partial_success when some spans were rejected. */
export function encodeTraceResponse(partial: { readonly rejectedSpans: number; readonly errorMessage: string } | null): Uint8Array {
  const body = partial === null ? {} : { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } };
  return response.encode(response.fromObject(body)).finish();
}

/** A google.rpc.Status: the protobuf body of an OTLP/HTTP 4xx or 5xx answer (`code` is a gRPC status code). */
export function encodeStatus(code: number, message: string): Uint8Array {
  return status.encode(status.fromObject({ code, message })).finish();
}
