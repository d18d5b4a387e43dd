use super::*;

const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn signing(secret: &str) -> Signing {
    Signing { enabled: true, secret: Secret::parse(secret).expect("valid"), previous: None, github: false }
}

#[test]
fn signatures_equal_the_specifications_test_vector() {
    // The Standard Webhooks libraries' published example (id, timestamp, payload, signature).
    let s = signing(SPEC_SECRET);
    let headers = s.headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#, Millis(0));
    assert_eq!(headers, vec![("webhook-signature".into(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".into())]);
}

#[test]
fn secrets_are_validated_and_never_printed() {
    assert!(Secret::parse(SPEC_SECRET).is_ok());
    assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err(), "no prefix");
    assert!(Secret::parse("whsec_!!!").is_err(), "not base64");
    assert!(Secret::parse("whsec_AAAA").is_err(), "3 bytes");
    assert!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 65]))).is_err(), "65 bytes");
    assert!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 24]))).is_ok());
    let secret = Secret::generate([9; 32]);
    assert_eq!(STANDARD.decode(secret.expose().trim_start_matches(PREFIX)).map(|k| k.len()), Ok(32));
    assert_eq!(format!("{secret:?}"), "Secret(…)");
    assert!(secret.masked().starts_with("whsec_…") && secret.masked().chars().count() == 11);
}

#[test]
fn a_rotated_key_signs_beside_the_new_one_for_a_day() {
    let mut s = signing(SPEC_SECRET);
    s.rotate(Secret::generate([1; 32]), Millis(1_000));
    let count = |now: u64| s.headers("msg_1", 1, "{}", Millis(now))[0].1.split(' ').count();
    assert_eq!(count(1_000), 2);
    assert_eq!(count(1_000 + 86_400_000 - 1), 2);
    assert_eq!(count(1_000 + 86_400_000), 1, "dropped after 24 hours");
    let both = s.headers("msg_1", 1, "{}", Millis(1_000))[0].1.clone();
    let old_only = signing(SPEC_SECRET).headers("msg_1", 1, "{}", Millis(0))[0].1.clone();
    assert!(both.ends_with(&old_only), "the old key's signature is still there");
}

#[test]
fn github_style_signatures_are_added_on_request() {
    let mut s = signing(SPEC_SECRET);
    s.github = true;
    let headers = s.headers("msg_1", 1, "hello", Millis(0));
    assert_eq!(headers[1].0, "X-Hub-Signature-256");
    // HMAC-SHA256 with the secret's text as the key, as GitHub computes it.
    let expected = hex(&hmac(SPEC_SECRET.as_bytes(), b"hello"));
    assert_eq!(headers[1].1, format!("sha256={expected}"));
    assert_eq!(expected.len(), 64);
    s.enabled = false;
    assert!(s.headers("msg_1", 1, "hello", Millis(0)).is_empty());
}

#[test]
fn a_receiver_verifies_what_autochat_signs_and_refuses_the_rest() {
    let s = signing(SPEC_SECRET);
    let now = Millis(1_614_265_330_000);
    let header = s.headers("msg_1", 1_614_265_330, "{}", now)[0].1.clone();
    let secret = Secret::parse(SPEC_SECRET).expect("valid");
    let check = |body: &str, at: Millis| verify(&secret, Some("msg_1"), Some("1614265330"), Some(&header), body, at);
    assert_eq!(check("{}", now), Verdict::Valid);
    assert_eq!(check("{ }", now), Verdict::Invalid, "one byte changed");
    assert_eq!(check("{}", Millis(now.0 + 301_000)), Verdict::TooOld);
    let other = Secret::generate([5; 32]);
    assert_eq!(verify(&other, Some("msg_1"), Some("1614265330"), Some(&header), "{}", now), Verdict::Invalid);
    assert_eq!(verify(&secret, None, Some("1"), Some(&header), "{}", now), Verdict::Unsigned);
}
