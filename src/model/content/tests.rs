use super::*;

fn file(eml: &str, attrs: &[(&str, &str)]) -> QueueFile {
    let raw = std::fs::read(format!(
        "{}/tests/fixtures/ndr/{eml}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let split = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(raw.len(), |i| i + 2);
    QueueFile {
        queue_id: crate::model::QueueId::new("4B2F41C0A8"),
        headers: raw[..split].to_vec(),
        body: Some(raw[split..].to_vec()),
        attributes: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..QueueFile::default()
    }
}

#[test]
fn postfix_ndr_with_returned_message() {
    let c = extract(&file("postfix-rfc822.eml", &[]));
    let ndr = c.ndr.as_ref().expect("an NDR");
    assert_eq!(ndr.bounced_to.as_deref(), Some("spoofed1@victim-a.example"));
    assert_eq!(ndr.status.as_deref(), Some("5.1.1"));
    assert_eq!(
        ndr.final_recipient.as_deref(),
        Some("nosuchuser@example.test")
    );
    assert_eq!(
        ndr.diagnostic.as_deref(),
        Some("unknown user: \"nosuchuser\"")
    );
    let o = ndr.original.as_ref().expect("original");
    assert_eq!(o.from_name.as_deref(), Some("CANADA PHARMACY"));
    assert_eq!(
        o.from_address.as_deref(),
        Some("sales7731@spoofed-pharmacy.example")
    );
    assert_eq!(
        o.subject.as_deref(),
        Some("Viagra 80% off - order 4411 today")
    );
    assert_eq!(
        o.message_id.as_deref(),
        Some("abc123@spoofed-pharmacy.example")
    );
    assert_eq!(o.client_ip.as_deref(), Some("186.216.156.42"));
    assert_eq!(o.received.len(), 1);
    assert_eq!(
        c.campaign().as_deref(),
        Some("\"CANADA PHARMACY\" viagra #% off - order # today")
    );
    assert_eq!(
        c.original_sender_domain().as_deref(),
        Some("spoofed-pharmacy.example")
    );
}

#[test]
fn headers_only_original_with_iso_2022_jp() {
    let c = extract(&file("headers-only-iso2022jp.eml", &[]));
    let ndr = c.ndr.as_ref().expect("an NDR");
    let o = ndr.original.as_ref().expect("original");
    assert_eq!(o.subject.as_deref(), Some("激安お薬のご案内"));
    assert_eq!(o.from_name.as_deref(), Some("激安お薬のご案内"));
    assert_eq!(o.client_ip.as_deref(), Some("203.0.113.77"));
    assert!(
        ndr.diagnostic
            .as_deref()
            .is_some_and(|d| d.starts_with("550 5.1.1") && d.contains("User unknown"))
    );
}

#[test]
fn plain_text_bounce_from_another_mta() {
    let c = extract(&file("exim-plain.eml", &[]));
    let o = c
        .ndr
        .as_ref()
        .and_then(|n| n.original.as_ref())
        .expect("original");
    assert_eq!(o.subject.as_deref(), Some("Günstige Medikamente €"));
    assert_eq!(o.from_address.as_deref(), Some("deals@spoofed-de.example"));
}

#[test]
fn envelope_attributes_of_submitted_mail() {
    let f = QueueFile {
        attributes: vec![
            ("sasl_method".into(), "CRAM-MD5".into()),
            ("sasl_username".into(), "partner@example.test".into()),
            ("log_client_address".into(), "186.216.156.42".into()),
            ("log_helo_name".into(), "\u{1b}[31mevil".into()),
        ],
        headers: b"From: \"Partner\" <partner@example.test>\nSubject: Hello\n\n".to_vec(),
        ..QueueFile::default()
    };
    let c = extract(&f);
    assert_eq!(c.sasl_username.as_deref(), Some("partner@example.test"));
    assert_eq!(c.client_address.as_deref(), Some("186.216.156.42"));
    assert_eq!(c.helo.as_deref(), Some("\\e[31mevil"));
    assert!(c.ndr.is_none());
    assert_eq!(c.campaign().as_deref(), Some("\"Partner\" hello"));
}

#[test]
fn hostile_subjects_are_sanitized() {
    let f = QueueFile {
        headers: b"Subject: =?UTF-8?B?G1syShtdNTI7YztBQUFBBw==?=\n\n".to_vec(),
        ..QueueFile::default()
    };
    let c = extract(&f);
    let s = c.subject.expect("subject");
    assert!(!s.contains('\u{1b}'), "{s:?}");
    assert!(s.contains("\\e[2J"));
}

#[test]
fn subjects_normalise_into_campaigns() {
    assert_eq!(
        normalise_subject("Re: FW:  CHEAP meds 50% off #8812"),
        "cheap meds #% off ##"
    );
    assert_eq!(
        normalise_subject("cheap  meds 70% off #1273"),
        "cheap meds #% off ##"
    );
}
