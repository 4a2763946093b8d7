//! Training session ids that a page of another site cannot guess and that are never reused.

/// Issues session ids: 32 hex digits, the first 16 a fresh 64-bit random number from the
/// thread's cryptographically secure generator (seeded by the operating system), the last 16 a
/// count of the ids issued so far. The random half makes an id unguessable; the count makes it
/// unique, so a closed session's id never names another one.
#[derive(Default)]
pub(crate) struct SessionIds {
    issued: u64,
}

impl SessionIds {
    /// A new id.
    pub(crate) fn next(&mut self) -> String {
        self.issued += 1;
        format!("{:016x}{:016x}", rand::random::<u64>(), self.issued)
    }
}

#[cfg(test)]
mod tests {
    use super::SessionIds;

    #[test]
    fn ids_are_hex_and_distinct() {
        let mut ids = SessionIds::default();
        let (a, b) = (ids.next(), ids.next());
        for id in [&a, &b] {
            assert_eq!(id.len(), 32);
            assert!(id.bytes().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(a, b);
        assert!(a.ends_with("0000000000000001") && b.ends_with("0000000000000002"));
        assert_ne!(
            a[..16],
            b[..16],
            "the random halves differ (p = 2^-64 of a false alarm)"
        );
    }
}
