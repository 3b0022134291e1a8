// What a file that is not a safetensors file probably is, for the one line that refuses it: an ONNX model
// (which charrnn writes and does not read back), a zip archive (torch.save's .pt), or a text. Guesses: the
// zip's magic number, the text's first 512 bytes, the ONNX model's top-level protobuf fields (a walk over
// the file that skips every field's contents); undefined when nothing fits. Browser-safe.

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** A phrase for `bytes` ('an ONNX model', ...), or undefined. */
export function fileKind(bytes: Uint8Array): string | undefined {
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) {
    return 'a zip archive, as torch.save writes (charrnn reads PyTorch models in the safetensors layout: see interop/pytorch)';
  }
  const onnx = onnxModel(bytes);
  if (onnx === 'whole')
    return 'an ONNX model (charrnn writes those for other runtimes and does not read them back)';
  if (onnx === 'cut')
    return 'the start of an ONNX model, cut short (charrnn writes those for other runtimes and does not read them back)';
  if (looksLikeText(bytes)) return 'a text file (train on it with charrnn train)';
  return undefined;
}

/**
 * Whether the whole file parses as top-level protobuf fields and has ModelProto's ir_version (field 1, a
 * varint) and graph (field 7, length-delimited): an ONNX model ('whole'); or starts as one does, with
 * ir_version and then whole fields, until a field runs past the end ('cut': a truncated copy).
 */
function onnxModel(bytes: Uint8Array): 'whole' | 'cut' | undefined {
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 50; shift += 7) {
      if (at >= bytes.length) return undefined;
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  let irVersion = false;
  let graph = false;
  let fields = 0;
  // the end came inside a field: a cut copy if it began as ONNX models do (ir_version first, then another)
  const cut = () => (irVersion && fields >= 2 ? 'cut' : undefined);
  while (at < bytes.length) {
    const tag = varint();
    if (tag === undefined) return cut();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0 || (fields === 0 && tag !== 8)) return undefined;
    if (wire === 0) {
      if (varint() === undefined) return cut();
      if (field === 1) irVersion = true;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > bytes.length) return cut();
      at += length;
      if (field === 7) graph = true;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > bytes.length) return cut();
    } else {
      return undefined;
    }
    fields++;
  }
  return irVersion && graph ? 'whole' : undefined;
}

/** Whether the first 512 bytes are UTF-8 with no control characters but tab, line feed and carriage return. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 512);
  if (head.length === 0) return false;
  for (const b of head) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
  // a multi-byte character may be cut at the end of the 512: drop up to 3 trailing bytes of one
  let end = head.length;
  for (let k = 0; k < 3 && end > 0 && (head[end - 1] & 0xc0) === 0x80; k++) end--;
  if (end > 0 && head[end - 1] >= 0xc0) end--;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}
