//! Inflating deflated records with one decompressor per thread, reset between records.
//!
//! `torch.jit.save` deflates every `code/*.py` record; a traced model has hundreds. A fresh
//! `flate2::Decompress` allocates and zeroes its whole state, which for small records costs
//! more than the inflating, so each thread keeps one and resets it. [`RecordReader`] reads
//! exactly as `flate2::bufread::DeflateDecoder` over a byte slice does (same loop, same
//! errors), only over a borrowed decompressor.

use std::cell::RefCell;
use std::io::{self, Read};

use flate2::{Decompress, FlushDecompress, Status};

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Appends to `out` what the raw deflate stream `raw` inflates to, stopping after `limit`
/// bytes; a corrupt stream is an error, a truncated one ends early or is an error exactly as
/// with `flate2::bufread::DeflateDecoder`.
pub(super) fn inflate_into(raw: &[u8], limit: u64, out: &mut Vec<u8>) -> io::Result<usize> {
    DECOMPRESSOR.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            let data = match slot.as_mut() {
                Some(data) => {
                    data.reset(false);
                    data
                }
                None => slot.insert(Decompress::new(false)),
            };
            RecordReader { input: raw, data }
                .take(limit)
                .read_to_end(out)
        }
        // Not reachable (nothing inflates while inflating), but a fresh state is correct.
        Err(_) => RecordReader {
            input: raw,
            data: &mut Decompress::new(false),
        }
        .take(limit)
        .read_to_end(out),
    })
}

/// A deflate stream over a byte slice, read through a borrowed decompressor.
struct RecordReader<'a> {
    input: &'a [u8],
    data: &'a mut Decompress,
}

impl Read for RecordReader<'_> {
    /// `flate2`'s `zio::read` for a slice: feed the rest of the input, finishing at its end.
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        loop {
            let eof = self.input.is_empty();
            let before_out = self.data.total_out();
            let before_in = self.data.total_in();
            let flush = if eof {
                FlushDecompress::Finish
            } else {
                FlushDecompress::None
            };
            let status = self.data.decompress(self.input, dst, flush);
            let read = usize::try_from(self.data.total_out().saturating_sub(before_out))
                .unwrap_or(usize::MAX);
            let consumed = usize::try_from(self.data.total_in().saturating_sub(before_in))
                .unwrap_or(usize::MAX);
            self.input = self.input.get(consumed..).unwrap_or(&[]);
            match status {
                Ok(Status::Ok | Status::BufError) if read == 0 && !eof && !dst.is_empty() => {
                    continue
                }
                Ok(Status::Ok | Status::BufError) if read == 0 && eof && !dst.is_empty() => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "incomplete deflate stream",
                    ));
                }
                Ok(Status::Ok | Status::BufError | Status::StreamEnd) => return Ok(read),
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "corrupt deflate stream",
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inflate_into;
    use std::io::{Read, Write};

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("write");
        encoder.finish().expect("finish")
    }

    /// What `flate2::bufread::DeflateDecoder` makes of the same input and limit.
    fn reference(raw: &[u8], limit: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        flate2::bufread::DeflateDecoder::new(raw)
            .take(limit)
            .read_to_end(&mut out)
            .map(|_| out)
            .map_err(|e| e.to_string())
    }

    fn ours(raw: &[u8], limit: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        inflate_into(raw, limit, &mut out)
            .map(|_| out)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reused_state_inflates_as_a_fresh_decoder_does() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {} of {}\n", i % 97, i % 13).into_bytes())
            .collect();
        let good = deflate(&text);
        let mut corrupt = good.clone();
        if let Some(byte) = corrupt.get_mut(good.len() / 2) {
            *byte ^= 0x5a;
        }
        let cases: Vec<(Vec<u8>, u64)> = vec![
            (good.clone(), text.len() as u64 + 1),
            (good.clone(), 100),
            (good[..good.len() / 3].to_vec(), text.len() as u64 + 1),
            (corrupt, text.len() as u64 + 1),
            (Vec::new(), 10),
            (vec![0xff; 64], 10),
            (deflate(b""), 1),
        ];
        // Twice over, so that every case also runs after every other one left its state.
        for _ in 0..2 {
            for (raw, limit) in &cases {
                assert_eq!(ours(raw, *limit), reference(raw, *limit), "limit {limit}");
            }
        }
        assert_eq!(ours(&good, text.len() as u64 + 1), Ok(text));
    }
}
