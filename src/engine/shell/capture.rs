//! A command's output as it is read: whole lines from each pipe, redacted,
//! and kept within bounds (head and tail of the whole, one line cut at
//! [`LINE_MAX`] bytes).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::mem;
use std::os::fd::OwnedFd;

use rustix::io::Errno;

use super::{LINE_MAX, OUTPUT_HEAD, OUTPUT_TAIL, STDOUT_KEPT};

/// One line as read from a pipe, before decoding.
#[derive(Debug, Default)]
pub(super) struct Chunk {
    /// At most [`LINE_MAX`] bytes, without the newline.
    pub(super) bytes: Vec<u8>,
    /// Ended by a newline (only the last line of a stream may not be).
    pub(super) terminated: bool,
    /// Bytes of this line past [`LINE_MAX`], not kept.
    pub(super) dropped: u64,
    /// Bytes the command wrote for this line, newline included.
    pub(super) written: u64,
    /// Read from standard output (not standard error).
    pub(super) stdout: bool,
}

impl Chunk {
    pub(super) fn new(stdout: bool) -> Self {
        Chunk {
            stdout,
            ..Chunk::default()
        }
    }

    pub(super) fn append(&mut self, body: &[u8]) {
        let kept = body.len().min(LINE_MAX.saturating_sub(self.bytes.len()));
        self.bytes.extend_from_slice(&body[..kept]);
        self.dropped += (body.len() - kept) as u64;
    }

    /// Cuts a line that was shortened back to a whole UTF-8 character.
    pub(super) fn finish(mut self) -> Self {
        if self.dropped > 0 {
            let partial = incomplete_tail(&self.bytes);
            self.bytes.truncate(self.bytes.len() - partial);
            self.dropped += partial as u64;
        }
        self
    }
}

/// One of the command's output streams, split into lines as it is read.
#[derive(Debug)]
pub(super) struct Pipe {
    pub(super) fd: OwnedFd,
    /// The line being read.
    pub(super) chunk: Chunk,
}

/// What one read of a [`Pipe`] gave.
#[derive(Debug, Clone, Copy)]
pub(super) enum Progress {
    Data,
    Nothing,
    Ended,
}

impl Pipe {
    pub(super) fn new(fd: OwnedFd, stdout: bool) -> Self {
        // Reads follow poll(2) saying there is something to read; should
        // there be nothing after all, they must not block.
        let _ = rustix::io::ioctl_fionbio(&fd, true);
        Pipe {
            fd,
            chunk: Chunk::new(stdout),
        }
    }

    /// Reads once, handing `take` each line that completes, and at the end
    /// of the stream the last line if it has no newline.
    pub(super) fn read(&mut self, buf: &mut [u8], mut take: impl FnMut(Chunk)) -> Progress {
        match rustix::io::read(&self.fd, &mut *buf) {
            Ok(0) => {}
            Ok(n) => {
                for piece in buf[..n].split_inclusive(|&b| b == b'\n') {
                    self.chunk.written += piece.len() as u64;
                    match piece.split_last() {
                        Some((b'\n', body)) => {
                            self.chunk.append(body);
                            self.chunk.terminated = true;
                            take(self.next_line());
                        }
                        _ => self.chunk.append(piece),
                    }
                }
                return Progress::Data;
            }
            Err(Errno::AGAIN | Errno::INTR) => return Progress::Nothing,
            // Nothing useful to do with a read error but stop reading.
            Err(_) => {}
        }
        if self.chunk.written > 0 {
            take(self.next_line());
        }
        Progress::Ended
    }

    /// The line read so far, replaced by an empty one.
    pub(super) fn next_line(&mut self) -> Chunk {
        let stdout = self.chunk.stdout;
        mem::replace(&mut self.chunk, Chunk::new(stdout)).finish()
    }
}

/// Length of an incomplete UTF-8 sequence at the end of `bytes`.
pub(super) fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(4) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 != 0x80 {
            let needs = match byte {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if needs > back { back } else { 0 };
        }
    }
    0
}

/// The output kept: the first [`OUTPUT_HEAD`] bytes and the last
/// [`OUTPUT_TAIL`], cut between lines where a line fits.
#[derive(Debug, Default)]
pub(super) struct Capture {
    pub(super) head: String,
    /// Set once a piece did not fit: from then on everything goes to the tail.
    pub(super) head_full: bool,
    pub(super) tail: VecDeque<String>,
    pub(super) tail_len: usize,
    pub(super) left_out: u64,
    /// The last piece kept has no newline yet.
    pub(super) unterminated: bool,
    /// Bytes the command wrote in all.
    pub(super) bytes: u64,
    /// The start of standard output alone, for `capture`.
    pub(super) stdout: String,
}

impl Capture {
    pub(super) fn take(&mut self, chunk: Chunk, redact: &dyn Fn(&str) -> String, line: &mut dyn FnMut(&str)) {
        self.bytes += chunk.written;
        let mut text = redact(&String::from_utf8_lossy(&chunk.bytes));
        if chunk.dropped > 0 {
            let _ = write!(text, " [... {} bytes left out ...]", chunk.dropped);
        }
        line(&text);
        if chunk.stdout && self.stdout.len() < STDOUT_KEPT {
            let room = STDOUT_KEPT - self.stdout.len();
            let cut = floor_boundary(&text, room);
            self.stdout.push_str(&text[..cut]);
            if chunk.terminated && cut == text.len() {
                self.stdout.push('\n');
            }
        }
        // A stream's unterminated last line is ended when the other stream
        // says more, so that the two never run together.
        if self.unterminated {
            self.push("\n".to_owned());
        }
        self.unterminated = !chunk.terminated;
        if chunk.terminated {
            text.push('\n');
        }
        self.push(text);
    }

    pub(super) fn push(&mut self, mut piece: String) {
        if !self.head_full {
            if self.head.len() + piece.len() <= OUTPUT_HEAD {
                self.head.push_str(&piece);
                return;
            }
            self.head_full = true;
            if self.head.is_empty() {
                // The first line alone is longer than the head.
                let cut = floor_boundary(&piece, OUTPUT_HEAD);
                self.head.push_str(&piece[..cut]);
                piece.drain(..cut);
            }
        }
        self.tail_len += piece.len();
        self.tail.push_back(piece);
        while self.tail_len > OUTPUT_TAIL && self.tail.len() > 1 {
            if let Some(old) = self.tail.pop_front() {
                self.tail_len -= old.len();
                self.left_out += old.len() as u64;
            }
        }
        if self.tail_len > OUTPUT_TAIL
            && let Some(only) = self.tail.front_mut()
        {
            let cut = ceil_boundary(only, only.len() - OUTPUT_TAIL);
            only.drain(..cut);
            self.tail_len -= cut;
            self.left_out += cut as u64;
        }
    }

    pub(super) fn finish(self) -> String {
        let mut output = self.head;
        if self.left_out > 0 {
            if !output.is_empty() && !output.ends_with('\n') {
                output.push('\n');
            }
            let _ = writeln!(output, "[... {} bytes left out ...]", self.left_out);
        }
        output.extend(self.tail);
        output
    }
}

pub(super) fn floor_boundary(s: &str, index: usize) -> usize {
    let mut index = index.min(s.len());
    while !s.is_char_boundary(index) {
        index -= 1;
    }
    index
}

pub(super) fn ceil_boundary(s: &str, index: usize) -> usize {
    let mut index = index.min(s.len());
    while !s.is_char_boundary(index) {
        index += 1;
    }
    index
}
