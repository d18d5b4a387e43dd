//! The catalog's words in the pages' English messages file. The pages show every catalog text
//! through `chrome.i18n`, under `catalog_<kind>_<value>_<part>` (popup/catalog-text.js), so the
//! English file must say exactly what the core says, and hold no key the catalog no longer has.
//! When the core's wording changes, this test names every key to update.

use super::page::{Catalog, Choice};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The English messages file the extension ships.
const ENGLISH: &str = include_str!("../../../_locales/en/messages.json");

/// The message key of one catalog text; the same rule as `catalogKey` in popup/catalog-text.js:
/// the value lowercased, every character outside [a-z0-9] turned into `_`, no `_<part>` when the
/// part is empty.
fn key(kind: &str, value: &str, part: &str) -> String {
    let value: String = value
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '_' })
        .collect();
    if part.is_empty() {
        format!("catalog_{kind}_{value}")
    } else {
        format!("catalog_{kind}_{value}_{part}")
    }
}

/// A choice's value as the pages receive it (`message_sent`, `autochatJson`, `POST`).
fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => panic!("a catalog value is a string, not {other:?}"),
    }
}

/// Every catalog text the pages show, by key, in the core's English. Method labels (`POST`) and
/// placeholder labels (`{{event}}`) are wire names, not words, and have no key.
fn texts(catalog: &Catalog) -> Vec<(String, String)> {
    fn labelled<T: Serialize>(out: &mut Vec<(String, String)>, kind: &str, choices: &[Choice<T>]) {
        for c in choices {
            out.push((key(kind, &wire(&c.value), "label"), c.label.clone()));
            out.push((key(kind, &wire(&c.value), "description"), c.description.clone()));
        }
    }
    let mut out = Vec::new();
    labelled(&mut out, "event", &catalog.events);
    for m in &catalog.methods {
        out.push((key("method", &wire(&m.value), "description"), m.description.clone()));
    }
    labelled(&mut out, "retry_mode", &catalog.retry_modes);
    labelled(&mut out, "format", &catalog.formats);
    for p in &catalog.placeholders {
        out.push((key("placeholder", &p.value, "description"), p.description.clone()));
    }
    for s in &catalog.starters {
        out.push((key("starter", &s.label, "label"), s.label.clone()));
        out.push((key("starter", &s.label, "name"), s.name.clone()));
        out.push((key("starter", &s.label, "url_hint"), s.url_hint.clone()));
    }
    for (name, text) in &catalog.hints {
        out.push((key("hint", name, ""), text.clone()));
    }
    // The conditions' fields and operators (`conditionFields` gives the pages those that suit the
    // events ticked).
    for f in crate::conditions::FIELDS {
        out.push((key("tested_field", f.path, "label"), f.label.to_string()));
    }
    for op in crate::conditions::Operator::ALL {
        out.push((key("operator", &wire(&op), "label"), op.label().to_string()));
    }
    out
}

/// The English messages: key → message.
fn english() -> BTreeMap<String, String> {
    let file: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(ENGLISH).expect("_locales/en/messages.json is a JSON object");
    file.into_iter()
        .map(|(key, entry)| {
            let message =
                entry.get("message").and_then(|m| m.as_str()).unwrap_or_else(|| panic!("{key} has no message"));
            (key, message.to_string())
        })
        .collect()
}

#[test]
fn every_catalog_text_is_in_the_english_messages_word_for_word() {
    let english = english();
    let wrong: Vec<String> = texts(&Catalog::build())
        .into_iter()
        .filter(|(key, text)| english.get(key) != Some(text))
        .map(|(key, text)| match english.get(&key) {
            None => format!("missing: {key} = {text:?}"),
            Some(said) => format!("differs: {key} = {said:?}; the core says {text:?}"),
        })
        .collect();
    assert!(wrong.is_empty(), "_locales/en/messages.json does not match the catalog:\n{}", wrong.join("\n"));
}

#[test]
fn every_catalog_key_in_the_english_messages_is_a_catalog_text() {
    let known: BTreeSet<String> = texts(&Catalog::build()).into_iter().map(|(key, _)| key).collect();
    let stale: Vec<String> =
        english().into_keys().filter(|k| k.starts_with("catalog_") && !known.contains(k)).collect();
    assert!(stale.is_empty(), "catalog keys the catalog no longer has: {stale:?}");
}

#[test]
fn catalog_keys_are_distinct_and_safe_for_chrome_i18n() {
    let texts = texts(&Catalog::build());
    let keys: BTreeSet<&str> = texts.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys.len(), texts.len(), "two catalog texts share a key");
    for (key, text) in &texts {
        assert!(key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{key}");
        // chrome.i18n reads `$name$` as its own placeholder, and `$$` as `$`.
        assert!(!text.contains('$'), "{key}: {text}");
    }
}

#[test]
fn the_labels_without_a_key_are_wire_names() {
    let catalog = Catalog::build();
    for m in &catalog.methods {
        assert_eq!(m.label, wire(&m.value));
    }
    for p in &catalog.placeholders {
        assert_eq!(p.label, format!("{{{{{}}}}}", p.value));
    }
}
