//! A real SMTP server on loopback: it speaks enough of RFC 5321 for a client
//! to hand it mail, records each message, and can refuse the first ones
//! (`421`) to show that mail is retried.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    /// Listens on a free loopback port; turns away the first `refusals` connections.
    pub fn start(refusals: usize) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let mails = Arc::new(Mutex::new(Vec::new()));
        let log = mails.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut out) = stream else { continue };
                if n < refusals {
                    let _ = out.write_all(b"421 par-tracker-test busy, try later\r\n");
                    continue;
                }
                let mut input = BufReader::new(out.try_clone().unwrap());
                let _ = out.write_all(b"220 par-tracker-test ESMTP\r\n");
                let (mut to, mut line) = (Vec::new(), String::new());
                loop {
                    line.clear();
                    if input.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let command = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250 par-tracker-test\r\n"
                    } else if command.starts_with("RCPT TO:") {
                        let address = line.trim_end()[8..]
                            .trim()
                            .trim_matches(|c| c == '<' || c == '>');
                        to.push(address.to_string());
                        b"250 OK\r\n"
                    } else if command.starts_with("DATA") {
                        let _ = out.write_all(b"354 end with .\r\n");
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if input.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        log.lock().unwrap().push(Mail {
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if command.starts_with("QUIT") {
                        let _ = out.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = out.write_all(reply);
                }
            }
        });
        SmtpServer { url, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

/// The `Subject:` of a message, its RFC 2047 `=?utf-8?b?…?=` words decoded.
pub fn subject(data: &str) -> String {
    use base64::Engine;
    let mut lines = data
        .split("\r\n")
        .skip_while(|l| !l.to_ascii_lowercase().starts_with("subject:"));
    let mut header = lines.next().unwrap_or_default()[8..].to_string();
    for folded in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        header.push_str(folded);
    }
    // whitespace between two encoded words is dropped (RFC 2047, 6.2); elsewhere it stays
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in header.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let encoded = lower.starts_with("=?utf-8?b?") && lower.ends_with("?=");
        if !(out.is_empty() || encoded && previous_encoded) {
            out.push(' ');
        }
        if encoded {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&word[10..word.len() - 2])
                .unwrap();
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(word);
        }
        previous_encoded = encoded;
    }
    out
}
