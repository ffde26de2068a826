//! Console output as cloud APIs hand it out: `aws ec2 get-console-output` prints
//! `{"InstanceId": …, "Output": "<console text>"}` and `gcloud compute instances
//! get-serial-port-output --format=json` prints `{"contents": "<console text>", "next": …}`.
//! Tickets carry these files as they are; the log is the value of one field.

/// The fields that hold the console text, by the API that writes them.
const FIELDS: [&str; 2] = ["Output", "contents"];

/// True when `head` starts a JSON object that names one of [`FIELDS`] as a key near its start.
pub fn is_console_dump(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.trim_ascii_start();
    if start.first() != Some(&b'{') {
        return false;
    }
    let near = &start[..start.len().min(4096)];
    FIELDS.iter().any(|field| {
        let key = format!("\"{field}\"");
        near.windows(key.len())
            .enumerate()
            .filter(|(_, w)| *w == key.as_bytes())
            .any(|(at, _)| near[at + key.len()..].trim_ascii_start().first() == Some(&b':'))
    })
}

/// The console text of a whole dump, and the field it came from; `None` when the bytes are not
/// valid JSON (a dump pasted with its newlines unescaped is read as text instead).
pub fn console_text(json: &[u8]) -> Option<(String, &'static str)> {
    let json = json.strip_prefix(b"\xef\xbb\xbf").unwrap_or(json);
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    FIELDS.iter().find_map(|&field| {
        let text = value.get(field)?.as_str()?;
        Some((text.to_owned(), field))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ec2_console_output_is_the_value_of_output() {
        let dump = br#"{
    "InstanceId": "i-34cd7774",
    "Timestamp": "2014-07-17T20:54:42.000Z",
    "Output": "Xen Minimal OS!\r\n[    0.000000] Linux version 3.15.2\r\n"
}"#;
        assert!(is_console_dump(dump));
        let (text, field) = console_text(dump).unwrap();
        assert_eq!(field, "Output");
        assert_eq!(
            text.split('\n').nth(1),
            Some("[    0.000000] Linux version 3.15.2\r")
        );
    }

    #[test]
    fn a_gce_serial_port_output_is_the_value_of_contents() {
        let dump = br#"{"contents": "BdsDxe: starting Boot0001\nWelcome to GRUB!\n", "next": "1024", "start": "0"}"#;
        assert!(is_console_dump(dump));
        assert_eq!(console_text(dump).unwrap().1, "contents");
    }

    #[test]
    fn other_json_is_no_dump_and_a_broken_dump_gives_no_text() {
        assert!(!is_console_dump(br#"{"files": [{"path": "x.log"}]}"#));
        assert!(!is_console_dump(br#"["Output", "contents"]"#));
        let pasted = b"{\n  \"Output\": \"Xen Minimal OS!\n  start_info: 0xce2000(VA)\n";
        assert!(is_console_dump(pasted));
        assert!(console_text(pasted).is_none());
    }
}
