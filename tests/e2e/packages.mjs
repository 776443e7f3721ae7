// Just enough ZIP to take a Kindling package apart and put a broken one together, for the
// corpus of bad uploads. Packages store their files uncompressed, so no inflate is needed.
import { createHash } from 'node:crypto';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** [name, Buffer] pairs of a stored (uncompressed) zip, in central-directory order. */
export function unzip(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = buffer.readUInt32LE(at + 42);
    const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    entries.push([name, Buffer.from(buffer.subarray(dataStart, dataStart + size))]);
    at += 46 + nameLength + extra;
  }
  return entries;
}

/** A stored zip of [name, Buffer] pairs. */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(header, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * The package with `edit` applied to its files (a Map of name → Buffer), re-zipped with the
 * manifest's hashes brought up to date unless `keepHashes` — so the check that fails is the
 * one the edit aims at.
 */
export function rebuilt(buffer, edit, { keepHashes = false } = {}) {
  const files = new Map(unzip(buffer));
  edit(files);
  if (!keepHashes && files.has('manifest.json')) {
    const manifest = JSON.parse(files.get('manifest.json').toString('utf8'));
    for (const name of Object.keys(manifest.files)) {
      if (files.has(name)) manifest.files[name] = sha256(files.get(name));
    }
    files.set('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  }
  return zip([...files.entries()]);
}

/** The safetensors header of a weights file, and where its data starts. */
export function safetensorsHeader(weights) {
  const length = Number(weights.readBigUInt64LE(0));
  return { header: JSON.parse(weights.subarray(8, 8 + length).toString('utf8')), dataStart: 8 + length };
}

/** A weights file with a new header (padded to keep the data where it was, if it fits). */
export function withSafetensorsHeader(weights, header) {
  const { dataStart } = safetensorsHeader(weights);
  let text = JSON.stringify(header);
  if (text.length > dataStart - 8) throw new Error('the new header does not fit');
  text = text.padEnd(dataStart - 8, ' ');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([prefix, Buffer.from(text), weights.subarray(dataStart)]);
}
