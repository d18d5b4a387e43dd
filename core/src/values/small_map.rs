//! [`SmallMap`]: a map for a handful of entries, kept as one `Vec` sorted by key.
//!
//! # Contract
//! - Entries are always sorted by key, each key at most once: iteration, `Debug`, equality and
//!   serialisation see them in key order, exactly as a `BTreeMap` would.
//! - It serialises as a map (a JSON object) and deserialises from one, a later duplicate key
//!   replacing an earlier one — the same bytes and the same value as a `BTreeMap` of the same
//!   entries, so stored documents and the wire format do not change when a field switches type.
//! - It is meant for few entries: lookups are a binary search, but an insert or a removal moves
//!   the entries after it, so both are O(n). Use it for what a person sets up (custom headers,
//!   webhooks, sites), never for anything that grows with traffic (deliveries, bodies, histories):
//!   those stay in `BTreeMap`. Entries arriving in key order — as a `serde_json::Value` object
//!   gives them, and the core reads every document through one — are appended, moving nothing.
//!
//! # Why
//! Every `BTreeMap<K, V>` instantiates its own copy of the B-tree's node code in the wasm module,
//! several kilobytes per key and value type; a sorted `Vec` shares the slice code every `Vec`
//! already uses.

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

/// A map for few entries, sorted by key (see the [module documentation](self)).
#[derive(Clone, PartialEq, Eq)]
pub struct SmallMap<K, V> {
    /// Sorted by key, no key twice.
    entries: Vec<(K, V)>,
}

impl<K, V> SmallMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        SmallMap { entries: Vec::new() }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in key order, values writable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, writable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries `keep` says yes to, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The value at `index` (a position a search of this map returned).
    fn value_at(&mut self, index: usize) -> &mut V {
        match self.entries.get_mut(index) {
            Some((_, value)) => value,
            None => unreachable!("an index found in this map is in bounds"),
        }
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// Where `key` is (`Ok`) or would go (`Err`).
    fn search<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.search(key).ok()?;
        self.entries.get(index).map(|(_, v)| v)
    }

    /// The value under `key`, writable.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.search(key).ok()?;
        self.entries.get_mut(index).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.search(key).is_ok()
    }

    /// Puts `value` under `key`; returns the value it replaces (the key already there is kept,
    /// as `BTreeMap` does).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.search(&key) {
            Ok(index) => Some(std::mem::replace(self.value_at(index), value)),
            Err(index) => {
                self.entries.insert(index, (key, value));
                None
            }
        }
    }

    /// Takes out the value under `key`.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.search(key).ok()?;
        Some(self.entries.remove(index).1)
    }

    /// The place of `key`, to read or fill in one step.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let at = self.search(&key);
        Entry { map: self, key, at }
    }
}

/// A key's place in a [`SmallMap`], filled or not (from [`SmallMap::entry`]).
pub struct Entry<'a, K, V> {
    map: &'a mut SmallMap<K, V>,
    key: K,
    /// The key's index (`Ok`) or the index it goes to (`Err`).
    at: Result<usize, usize>,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The value, put there first by `make` if there is none.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let index = match self.at {
            Ok(index) => index,
            Err(index) => {
                self.map.entries.insert(index, (self.key, make()));
                index
            }
        };
        self.map.value_at(index)
    }

    /// The value, `value` put there first if there is none.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, the default put there first if there is none.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SmallMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SmallMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for SmallMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SmallMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// The entries of a [`SmallMap`] by reference, in key order.
pub type Iter<'a, K, V> = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

impl<'a, K, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SmallMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SmallMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads a map's entries in, a later key replacing an earlier one.
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = SmallMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = SmallMap::new();
                while let Some((key, value)) = access.next_entry()? {
                    map.insert(key, value);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// The TypeScript type is a `BTreeMap`'s: the JSON is the same.
#[cfg(feature = "ts")]
impl<K: ts_rs::TS, V: ts_rs::TS> ts_rs::TS for SmallMap<K, V> {
    type WithoutGenerics = <std::collections::BTreeMap<K, V> as ts_rs::TS>::WithoutGenerics;
    type OptionInnerType = Self;

    fn ident(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::ident(cfg)
    }

    fn name(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::name(cfg)
    }

    fn inline(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::inline(cfg)
    }

    fn inline_flattened(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::inline_flattened(cfg)
    }

    fn visit_dependencies(visitor: &mut impl ts_rs::TypeVisitor)
    where
        Self: 'static,
    {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::visit_dependencies(visitor);
    }

    fn visit_generics(visitor: &mut impl ts_rs::TypeVisitor)
    where
        Self: 'static,
    {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::visit_generics(visitor);
    }

    fn decl(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::decl(cfg)
    }

    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::decl_concrete(cfg)
    }

    fn output_path() -> Option<std::path::PathBuf> {
        <std::collections::BTreeMap<K, V> as ts_rs::TS>::output_path()
    }
}

#[cfg(test)]
mod tests {
    use super::SmallMap;
    use std::collections::BTreeMap;

    /// The same operations on both maps leave the same entries in the same order.
    fn same<K: Ord + Clone + std::fmt::Debug, V: Clone + PartialEq + std::fmt::Debug>(
        small: &SmallMap<K, V>,
        tree: &BTreeMap<K, V>,
    ) {
        let a: Vec<(K, V)> = small.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let b: Vec<(K, V)> = tree.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(a, b);
        assert_eq!(small.len(), tree.len());
    }

    #[test]
    fn entries_stay_sorted_whatever_the_insertion_order() {
        let map: SmallMap<u32, &str> = [(5, "e"), (1, "a"), (3, "c"), (2, "b"), (4, "d")].into();
        assert_eq!(map.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), ["a", "b", "c", "d", "e"]);
        assert_eq!(
            format!("{map:?}"),
            format!("{:?}", BTreeMap::from([(5, "e"), (1, "a"), (3, "c"), (2, "b"), (4, "d")]))
        );
    }

    #[test]
    fn insert_replaces_and_remove_takes_out() {
        let mut map = SmallMap::new();
        assert_eq!(map.insert("b".to_string(), 2), None);
        assert_eq!(map.insert("a".to_string(), 1), None);
        assert_eq!(map.insert("b".to_string(), 20), Some(2));
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("b"), Some(&20));
        assert!(map.contains_key("a"));
        assert_eq!(map.remove("a"), Some(1));
        assert_eq!(map.remove("a"), None);
        assert!(!map.contains_key("a"));
        assert_eq!(map.get("z"), None);
        if let Some(v) = map.get_mut("b") {
            *v += 1;
        }
        assert_eq!(map.get("b"), Some(&21));
        map.clear();
        assert!(map.is_empty());
    }

    #[test]
    fn entry_fills_an_empty_place_once() {
        let mut map: SmallMap<&str, u32> = SmallMap::new();
        *map.entry("b").or_default() += 1;
        *map.entry("a").or_insert(10) += 1;
        *map.entry("b").or_default() += 1;
        *map.entry("a").or_insert_with(|| 99) += 1;
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&"a", &12), (&"b", &2)]);
    }

    #[test]
    fn retain_and_values_mut_keep_the_order() {
        let mut map: SmallMap<u32, u32> = (0..10).rev().map(|n| (n, n * 10)).collect();
        map.retain(|k, _| k % 3 == 0);
        map.values_mut().for_each(|v| *v += 1);
        for (_, v) in map.iter_mut() {
            *v += 1;
        }
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [(0, 2), (3, 32), (6, 62), (9, 92)]);
    }

    #[test]
    fn behaves_like_a_btree_map_over_a_mixed_sequence() {
        let (mut small, mut tree) = (SmallMap::new(), BTreeMap::new());
        // A fixed pseudo-random walk of inserts and removes over 40 keys.
        let mut x: u32 = 7;
        for step in 0..2_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (x >> 8) % 40;
            if x % 3 == 0 {
                assert_eq!(small.remove(&key), tree.remove(&key));
            } else {
                assert_eq!(small.insert(key, step), tree.insert(key, step));
            }
            same(&small, &tree);
        }
    }

    #[test]
    fn serialises_exactly_like_a_btree_map() {
        let entries = [("X-Token", "t"), ("Accept", "a"), ("x-lower", "l"), ("B", "b")];
        let small: SmallMap<String, String> = entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let tree: BTreeMap<String, String> = entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (a, b) = (serde_json::to_string(&small), serde_json::to_string(&tree));
        assert!(a.is_ok());
        assert_eq!(a.ok(), b.ok());
        assert_eq!(serde_json::to_string_pretty(&small).ok(), serde_json::to_string_pretty(&tree).ok());
        assert_eq!(serde_json::to_string(&SmallMap::<String, u8>::new()).ok().as_deref(), Some("{}"));
    }

    #[test]
    fn deserialises_like_a_btree_map_a_later_key_winning() {
        let text = r#"{"b": 2, "a": 1, "c": 3, "a": 10}"#;
        let small: Result<SmallMap<String, u32>, _> = serde_json::from_str(text);
        let tree: Result<BTreeMap<String, u32>, _> = serde_json::from_str(text);
        let (Ok(small), Ok(tree)) = (small, tree) else { panic!("both read the object") };
        same(&small, &tree);
        assert_eq!(small.get("a"), Some(&10));
        // Through a Value too, the way the core reads documents.
        let value = serde_json::json!({"z": 1, "m": 2});
        let from_value: Result<SmallMap<String, u32>, _> = serde_json::from_value(value.clone());
        assert_eq!(
            from_value.ok().map(|m| m.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["m".to_string(), "z".to_string()])
        );
        assert_eq!(
            serde_json::to_value(SmallMap::<String, u32>::from([("z".to_string(), 1), ("m".to_string(), 2)])).ok(),
            Some(value)
        );
        let wrong: Result<SmallMap<String, u32>, _> = serde_json::from_str("[1, 2]");
        assert!(wrong.is_err());
    }
}
