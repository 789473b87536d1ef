//! The in-memory backend: a sorted map behind a `RefCell`, never borrowed across an await.

use super::{check_expectations, Op, Record, Store, StoreError, StoreResult};
use crate::platform::BoxFut;
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, (u64, String)>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of records held.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }
    /// A copy of every record (tests compare snapshots before and after a failure).
    pub fn snapshot(&self) -> BTreeMap<String, (u64, String)> {
        self.map.borrow().clone()
    }
}

impl Store for MemoryStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFut<'a, StoreResult<Vec<Option<Record>>>> {
        let map = self.map.borrow();
        let out = keys
            .iter()
            .map(|k| map.get(k).map(|(v, s)| Record { key: k.clone(), version: *v, value: s.clone() }))
            .collect();
        Box::pin(std::future::ready(Ok(out)))
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFut<'a, StoreResult<Vec<Record>>> {
        let map = self.map.borrow();
        let out = map
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, (v, s))| Record { key: k.clone(), version: *v, value: s.clone() })
            .collect();
        Box::pin(std::future::ready(Ok(out)))
    }

    fn commit(&self, ops: Vec<Op>) -> BoxFut<'_, StoreResult<()>> {
        let mut map = self.map.borrow_mut();
        let result = match check_expectations(&ops, |k| map.get(k).map(|(v, _)| *v)) {
            Err(key) => Err(StoreError::Conflict { key: key.to_string() }),
            Ok(()) => {
                for op in ops {
                    match op {
                        Op::Put { key, value, .. } => {
                            let v = map.get(&key).map(|(v, _)| *v).unwrap_or(0) + 1;
                            map.insert(key, (v, value));
                        }
                        Op::Delete { key, .. } => {
                            map.remove(&key);
                        }
                        Op::Check { .. } => {}
                    }
                }
                Ok(())
            }
        };
        Box::pin(std::future::ready(result))
    }

    fn kind(&self) -> String {
        "memory".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Expect;
    use futures::executor::block_on;

    fn put(k: &str, v: &str, e: Expect) -> Op {
        Op::Put { key: k.into(), value: v.into(), expect: e }
    }

    #[test]
    fn commit_is_all_or_nothing_with_versions() {
        let s = MemoryStore::new();
        block_on(s.commit(vec![put("a", "1", Expect::Absent), put("b", "1", Expect::Any)])).unwrap();
        let got = block_on(s.get_many(&["a".into(), "c".into()])).unwrap();
        assert_eq!(got[0].as_ref().map(|r| r.version), Some(1));
        assert!(got[1].is_none());
        // Second op conflicts: the first must not be applied either.
        let err = block_on(s.commit(vec![put("b", "2", Expect::Version(1)), put("a", "2", Expect::Version(7))]));
        assert_eq!(err, Err(StoreError::Conflict { key: "a".into() }));
        let got = block_on(s.get_many(&["b".into()])).unwrap();
        assert_eq!(got[0].as_ref().map(|r| (r.version, r.value.as_str())), Some((1, "1")));
        // Chained ops in one commit see each other.
        block_on(s.commit(vec![put("b", "2", Expect::Version(1)), put("b", "3", Expect::Version(2))])).unwrap();
        let got = block_on(s.get_many(&["b".into()])).unwrap();
        assert_eq!(got[0].as_ref().map(|r| (r.version, r.value.as_str())), Some((3, "3")));
        block_on(s.commit(vec![Op::Delete { key: "b".into(), expect: Expect::Version(3) }])).unwrap();
        assert_eq!(block_on(s.list("")).unwrap().len(), 1);
    }

    #[test]
    fn list_is_prefix_and_sorted() {
        let s = MemoryStore::new();
        block_on(s.commit(vec![put("m/2", "", Expect::Any), put("m/1", "", Expect::Any), put("n/1", "", Expect::Any)]))
            .unwrap();
        let keys: Vec<_> = block_on(s.list("m/")).unwrap().into_iter().map(|r| r.key).collect();
        assert_eq!(keys, vec!["m/1", "m/2"]);
    }
}
