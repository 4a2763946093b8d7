//! Reading a safetensors file's header strictly, before any tensor's data is touched: every
//! entry's dtype, shape and data offsets are checked against each other and against the file's
//! length, so nothing is allocated for what a header merely claims (a shape of 10¹² elements is
//! an error, not an allocation), and every error names the tensor and what is wrong.
//!
//! The format: an 8-byte little-endian header length N, N bytes of JSON — an object mapping each
//! tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data
//! after the header), plus an optional `"__metadata__"` object of strings — then the data, the
//! tensors' byte ranges covering it exactly, without gaps or overlaps.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The largest header read, as the reference implementation caps it (100 MB).
const MAX_HEADER_BYTES: u64 = 100_000_000;

pub use crate::error::ModelFileProblem;

/// One tensor of a checked file: its data is exactly its dtype's size times its elements.
pub(crate) struct Entry<'a> {
    pub(crate) name: String,
    pub(crate) dtype: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) data: &'a [u8],
}

/// An error about `tensor` (or the header, for `None`).
pub(crate) fn problem(tensor: Option<&str>, problem: ModelFileProblem) -> Error {
    Error::ModelFile {
        file: None,
        tensor: tensor.map(str::to_string),
        problem,
    }
}

fn header_error(message: String) -> Error {
    problem(None, ModelFileProblem::Header(message))
}

/// The bits one element of `dtype` takes, for every dtype the format defines.
fn bits(dtype: &str) -> Option<usize> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "E8M0" => 8,
        "U16" | "I16" | "F16" | "BF16" => 16,
        "U32" | "I32" | "F32" => 32,
        "U64" | "I64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// Every tensor of the file `bytes`, in the order of their data, after checking the header
/// and every entry (see the module documentation).
pub(crate) fn entries(bytes: &[u8]) -> Result<Vec<Entry<'_>>> {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(header_error(format!(
            "not a safetensors file: it is {} bytes long, too short for a header",
            bytes.len()
        )));
    };
    let len = u64::from_le_bytes(*len);
    if len > rest.len() as u64 {
        return Err(header_error(format!(
            "not a safetensors file: its first 8 bytes say the header is {len} bytes long, but \
             only {} bytes follow",
            rest.len()
        )));
    }
    if len > MAX_HEADER_BYTES {
        return Err(header_error(format!(
            "the header is {len} bytes long, more than the {MAX_HEADER_BYTES} a header may take"
        )));
    }
    let (header, data) = rest.split_at(len as usize);
    let header: Map<String, Value> = serde_json::from_slice(header).map_err(|e| {
        header_error(format!(
            "not a safetensors file: the header is not a JSON object: {e}"
        ))
    })?;
    let mut out = Vec::with_capacity(header.len());
    for (name, value) in &header {
        if name == "__metadata__" {
            let strings = value
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string));
            if !strings {
                return Err(header_error(
                    "the header's __metadata__ is not an object of strings".into(),
                ));
            }
            continue;
        }
        out.push(entry(name, value, data)?);
    }
    // The byte ranges cover the data exactly: sorted, each begins where the last ended.
    out.sort_by_key(|e| (e.data.as_ptr() as usize, e.data.len()));
    let mut end = 0;
    let mut last: Option<&str> = None;
    for e in &out {
        let begin = e.data.as_ptr() as usize - data.as_ptr() as usize;
        if begin != end {
            let what = match last {
                Some(prev) if begin < end => format!("overlaps tensor {prev:?}"),
                Some(prev) => format!("leaves {} bytes unused after tensor {prev:?}", begin - end),
                None => format!("leaves the first {begin} bytes of the data unused"),
            };
            return Err(problem(
                Some(&e.name),
                ModelFileProblem::Data(format!("has data from byte {begin}, which {what}")),
            ));
        }
        end = begin + e.data.len();
        last = Some(&e.name);
    }
    if end != data.len() {
        return Err(header_error(format!(
            "the file has {} bytes of data after its last tensor's",
            data.len() - end
        )));
    }
    Ok(out)
}

/// One entry of the header, checked against the data.
fn entry<'a>(name: &str, value: &Value, data: &'a [u8]) -> Result<Entry<'a>> {
    let malformed = |what: String| problem(Some(name), ModelFileProblem::Entry(what));
    let Some(fields) = value.as_object() else {
        return Err(malformed(
            "is not an object with dtype, shape and data_offsets".into(),
        ));
    };
    if let Some(other) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "dtype" | "shape" | "data_offsets"))
    {
        return Err(malformed(format!("has an unknown field {other:?}")));
    }
    let numbers = |field: &str| -> Result<Vec<u64>> {
        fields
            .get(field)
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            .ok_or_else(|| malformed(format!("has no {field} (a list of non-negative integers)")))
    };
    let dtype = fields
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("has no dtype (a string)".into()))?;
    let Some(bits) = bits(dtype) else {
        return Err(malformed(format!("has an unknown dtype {dtype:?}")));
    };
    let shape = numbers("shape")?;
    let offsets = numbers("data_offsets")?;
    let &[begin, end] = offsets.as_slice() else {
        return Err(malformed(format!(
            "has {} data offsets, not 2 (begin and end)",
            offsets.len()
        )));
    };
    let too_big = || {
        problem(
            Some(name),
            ModelFileProblem::Data(format!(
                "has shape {shape:?}, more elements than the file can hold"
            )),
        )
    };
    let size = shape
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d))
        .and_then(|n| n.checked_mul(bits as u64))
        .ok_or_else(too_big)?;
    let data_error = |what: String| problem(Some(name), ModelFileProblem::Data(what));
    if size % 8 != 0 {
        return Err(data_error(format!(
            "has shape {shape:?} of {dtype}, which does not fill whole bytes"
        )));
    }
    let size = size / 8;
    if begin > end || end > data.len() as u64 {
        return Err(data_error(format!(
            "has data offsets [{begin}, {end}], outside the file's {} bytes of data",
            data.len()
        )));
    }
    if end - begin != size {
        return Err(data_error(format!(
            "has {} bytes of data, but shape {shape:?} of {dtype} needs {size}",
            end - begin
        )));
    }
    let shape = shape
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| too_big()))
        .collect::<Result<_>>()?;
    Ok(Entry {
        name: name.to_string(),
        dtype: dtype.to_string(),
        shape,
        data: &data[begin as usize..end as usize],
    })
}
