//! Just enough protobuf to write an ONNX model: varints, length-delimited fields, and the
//! few ONNX messages built from them (attributes, value infos).

// TensorProto.DataType and TypeProto.Tensor.elem_type share these codes.
pub const DATA_FLOAT: i64 = 1;
pub const DATA_INT64: i64 = 7;
pub const DATA_STRING: i64 = 8;
pub const ELEM_FLOAT: i64 = DATA_FLOAT;
pub const ELEM_INT64: i64 = DATA_INT64;
pub const ELEM_STRING: i64 = DATA_STRING;

// AttributeProto.AttributeType.
const ATTRIBUTE_FLOAT: i64 = 1;
const ATTRIBUTE_INT: i64 = 2;
const ATTRIBUTE_STRING: i64 = 3;
const ATTRIBUTE_FLOATS: i64 = 6;
const ATTRIBUTE_INTS: i64 = 7;
const ATTRIBUTE_STRINGS: i64 = 8;

pub fn float_attribute(name: &str, value: f32) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    attribute.float(2, value);
    attribute.int(20, ATTRIBUTE_FLOAT);
    attribute
}

pub fn floats_attribute(name: &str, values: &[f32]) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    for &value in values {
        attribute.float(7, value);
    }
    attribute.int(20, ATTRIBUTE_FLOATS);
    attribute
}

pub fn string_attribute(name: &str, value: &str) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    attribute.string(4, value);
    attribute.int(20, ATTRIBUTE_STRING);
    attribute
}

pub fn strings_attribute(name: &str, values: &[&str]) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    for value in values {
        attribute.string(9, value);
    }
    attribute.int(20, ATTRIBUTE_STRINGS);
    attribute
}

pub fn int_attribute(name: &str, value: i64) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    attribute.int(3, value);
    attribute.int(20, ATTRIBUTE_INT);
    attribute
}

pub fn ints_attribute(name: &str, values: &[i64]) -> Message {
    let mut attribute = Message::default();
    attribute.string(1, name);
    for &value in values {
        attribute.int(8, value);
    }
    attribute.int(20, ATTRIBUTE_INTS);
    attribute
}

pub enum Dim {
    /// The symbolic batch dimension.
    Batch,
    Size(usize),
}

/// A ValueInfoProto for a tensor of `elem_type` and `dims`.
pub fn value_info(name: &str, elem_type: i64, dims: &[Dim]) -> Message {
    let mut shape = Message::default();
    for dim in dims {
        let mut dimension = Message::default();
        match dim {
            Dim::Batch => dimension.string(2, "batch"),
            Dim::Size(size) => dimension.int(1, *size as i64),
        }
        shape.message(1, dimension);
    }
    let mut tensor_type = Message::default();
    tensor_type.int(1, elem_type);
    tensor_type.message(2, shape);
    let mut type_proto = Message::default();
    type_proto.message(1, tensor_type);
    let mut info = Message::default();
    info.string(1, name);
    info.message(2, type_proto);
    info
}

/// A protobuf message being encoded: fields are appended in the order they are written.
#[derive(Default)]
pub struct Message(Vec<u8>);

const WIRE_VARINT: u32 = 0;
const WIRE_LENGTH_DELIMITED: u32 = 2;
const WIRE_FIXED32: u32 = 5;

impl Message {
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn key(&mut self, field: u32, wire_type: u32) {
        self.raw_varint(u64::from((field << 3) | wire_type));
    }

    fn raw_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    /// An int64 field (negative values take ten bytes, as protobuf requires).
    pub fn int(&mut self, field: u32, value: i64) {
        self.key(field, WIRE_VARINT);
        self.raw_varint(value as u64);
    }

    /// A float field (fixed 32 bits, little-endian; NaN keeps its bits).
    pub fn float(&mut self, field: u32, value: f32) {
        self.key(field, WIRE_FIXED32);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    pub fn bytes(&mut self, field: u32, bytes: &[u8]) {
        self.key(field, WIRE_LENGTH_DELIMITED);
        self.raw_varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    pub fn string(&mut self, field: u32, text: &str) {
        self.bytes(field, text.as_bytes());
    }

    pub fn message(&mut self, field: u32, message: Message) {
        self.bytes(field, &message.0);
    }
}
