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
    assert_eq!(o.helo, None, "`from unknown` names no HELO");
    assert!(o.url_hosts.is_empty());
    assert_eq!(
        o.raw_headers,
        [
            "From: \"CANADA PHARMACY\" <sales7731@spoofed-pharmacy.example>",
            "Subject: Viagra 80% off - order 4411 today",
            "Message-ID: <abc123@spoofed-pharmacy.example>",
        ]
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
    let own = c.own.as_ref().expect("own headers as features");
    assert_eq!(own.subject.as_deref(), Some("Hello"));
    assert_eq!(
        own.raw_headers[0],
        "From: \"Partner\" <partner@example.test>"
    );
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
fn url_hosts_reply_to_and_mailer_of_a_returned_original() {
    let raw = b"From: \"Parcel Service\" <x1@random-1.example>\r\nReply-To: claims@parcel-refunds.example\r\nX-Mailer: BulkMail 4.2\r\nSubject: Your parcel\r\nReceived: from ylmf-pc (unknown [41.203.67.118])\r\n\tby mx.example.test (Postfix) with ESMTP id 1\r\nList-Unsubscribe: <https://unsub.mailer.example/u?id=1>\r\n\r\nTrack it: https://Track.Parcel-Refunds.example/claim?id=9 or http://bit.ly/x\r\n";
    let msg = MessageParser::default().parse(&raw[..]).expect("parse");
    let o = original_of(&msg);
    assert_eq!(o.reply_to.as_deref(), Some("claims@parcel-refunds.example"));
    assert_eq!(o.x_mailer.as_deref(), Some("BulkMail 4.2"));
    assert_eq!(o.helo.as_deref(), None, "ylmf-pc has no dot");
    assert_eq!(
        o.url_hosts,
        [
            "unsub.mailer.example",
            "track.parcel-refunds.example",
            "bit.ly"
        ]
    );
    assert_eq!(o.raw_url_lines.len(), 1);
}
