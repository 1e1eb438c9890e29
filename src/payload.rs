//! Decoding the authenticated postcard payload into the caller's type, with the work bounded by
//! the payload's length.
//!
//! The payload is authentic, but whoever holds a key, or a bug in an older release, may have
//! sealed anything, and the app's type decides what postcard does with it. Three things in a
//! postcard payload can drive work that the payload's length does not pay for:
//! - a map's length prefix: postcard reports it as the size hint unchecked, and serde
//!   preallocates a `HashMap` from it (up to 1 MiB) before reading a single entry;
//! - nesting: a recursive type (`enum Tree { Leaf, Node(Box<Tree>) }`) recurses once per byte,
//!   and a few thousand levels overflow a 2 MiB thread stack, which aborts the process;
//! - sequences of zero-sized elements (`Vec<()>`): a length prefix of 2^63 costs no input and
//!   loops 2^63 times.
//!
//! So the deserializer is wrapped: sequences and maps report no size hint (collections then grow
//! as elements really arrive, so no length prefix drives an allocation: a `Vec` ends at most
//! twice what its decoded elements need, a handful of reallocations for a session-sized one),
//! nesting is capped at [`MAX_DEPTH`], and the elements of all length-prefixed sequences and maps
//! together at the payload's length plus [`MAX_EMPTY_ELEMENTS`] (tuples, arrays and structs take
//! their length from the type, not the input, so their elements are not charged: that spared the
//! small session's 24-byte array 24 budget checks). Everything else is forwarded to postcard
//! unchanged. Strings and byte strings need no guard: postcard checks their length against the
//! bytes left before it copies them.
//! Kept apart from the sealer so that the fuzzing hook (`cfg(fuzzing)`) decodes exactly as `open`
//! does.

use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};

use crate::error::OpenError;

/// The deepest nesting of options, newtypes, sequences, maps, structs and enums decoded (as
/// `serde_json`'s default recursion limit).
pub(crate) const MAX_DEPTH: usize = 128;
/// Sequence and map elements allowed beyond one per payload byte (only elements that take no
/// bytes, such as `()`, can use them).
pub(crate) const MAX_EMPTY_ELEMENTS: usize = 1 << 16;

/// Decodes the whole of `payload` as one `T`; trailing bytes are an error.
pub(crate) fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, OpenError> {
    decode_with_limit(payload, MAX_EMPTY_ELEMENTS)
}

/// [`decode`] with `empty_elements` in place of [`MAX_EMPTY_ELEMENTS`] (tests under Miri use a
/// smaller one: each element is a loop iteration, and Miri is slow).
fn decode_with_limit<T: DeserializeOwned>(
    payload: &[u8],
    empty_elements: usize,
) -> Result<T, OpenError> {
    let budget = Budget {
        elements: Cell::new(payload.len().saturating_add(empty_elements)),
    };
    let mut de = postcard::Deserializer::from_bytes(payload);
    let value = T::deserialize(Guard {
        inner: &mut de,
        budget: &budget,
        depth: 0,
    })
    .map_err(|_| OpenError::Payload)?;
    match de.finalize() {
        Ok([]) => Ok(value),
        _ => Err(OpenError::Payload),
    }
}

/// What one decode may spend.
struct Budget {
    /// Sequence and map elements still allowed.
    elements: Cell<usize>,
}

impl Budget {
    #[inline(always)]
    fn take_element<E: de::Error>(&self) -> Result<(), E> {
        let left = self.elements.get().checked_sub(1).ok_or_else(too_many)?;
        self.elements.set(left);
        Ok(())
    }
}

/// The error of a payload with more elements than its budget (cold: hostile input only).
#[cold]
fn too_many<E: de::Error>() -> E {
    E::custom("too many elements")
}

/// The error of a payload nested deeper than [`MAX_DEPTH`] (cold: hostile input only).
#[cold]
fn too_deep<E: de::Error>() -> E {
    E::custom("nested too deep")
}

/// A deserializer that enforces the budget on whatever it hands to visitors.
struct Guard<'b, D> {
    inner: D,
    budget: &'b Budget,
    depth: usize,
}

impl<'b, D> Guard<'b, D> {
    /// The visitor for one more level of nesting, or an error past [`MAX_DEPTH`]. `counted`:
    /// whether the sequence or map it may visit takes its length from the input (then every
    /// element is charged to the budget) rather than from the type (tuples, arrays, structs).
    #[inline(always)]
    fn nested<V, E: de::Error>(&self, visitor: V, counted: bool) -> Result<GuardVisitor<'b, V>, E> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(GuardVisitor {
            inner: visitor,
            budget: self.budget,
            depth: self.depth.saturating_add(1),
            counted,
        })
    }
}

/// Forwards a `deserialize_*` method to the inner deserializer with a guarded visitor; `counted`
/// as in [`Guard::nested`].
macro_rules! forward_nested {
    ($counted:literal: $($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.nested(visitor, $counted)?;
            self.inner.$method($($arg,)* visitor)
        }
    )*};
}

/// Forwards a `deserialize_*` method for a leaf value: its visitor gets no deserializer to
/// recurse into, so it needs no guard.
macro_rules! forward_leaf {
    ($($method:ident)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Guard<'_, D> {
    type Error = D::Error;

    forward_leaf! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }

    // The input says how many elements follow (or postcard cannot say what it is).
    forward_nested! { true:
        deserialize_any();
        deserialize_ignored_any();
        deserialize_seq();
        deserialize_map();
    }

    // The type says how many elements follow, if any.
    forward_nested! { false:
        deserialize_option();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    #[inline(always)]
    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A visitor whose nested deserializers and accessors stay guarded.
struct GuardVisitor<'b, V> {
    inner: V,
    budget: &'b Budget,
    depth: usize,
    /// Whether a sequence or map it visits charges its elements to the budget.
    counted: bool,
}

impl<'b, V> GuardVisitor<'b, V> {
    #[inline(always)]
    fn guard<D>(&self, inner: D) -> Guard<'b, D> {
        Guard {
            inner,
            budget: self.budget,
            depth: self.depth,
        }
    }

    #[inline(always)]
    fn access<A>(&self, inner: A) -> GuardAccess<'b, A> {
        GuardAccess {
            inner,
            budget: self.budget,
            depth: self.depth,
            counted: self.counted,
        }
    }
}

/// Forwards `visit_*` methods that carry a plain value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        #[inline(always)]
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for GuardVisitor<'_, V> {
    type Value = V::Value;

    #[inline(always)]
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64);
        visit_i128(i128); visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64);
        visit_u128(u128); visit_f32(f32); visit_f64(f64); visit_char(char); visit_str(&str);
        visit_borrowed_str(&'de str); visit_string(String); visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
    }

    #[inline(always)]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    #[inline(always)]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    #[inline(always)]
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let guarded = self.guard(deserializer);
        self.inner.visit_some(guarded)
    }

    #[inline(always)]
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let guarded = self.guard(deserializer);
        self.inner.visit_newtype_struct(guarded)
    }

    #[inline(always)]
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let guarded = self.access(seq);
        self.inner.visit_seq(guarded)
    }

    #[inline(always)]
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let guarded = self.access(map);
        self.inner.visit_map(guarded)
    }

    #[inline(always)]
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let guarded = self.access(data);
        self.inner.visit_enum(guarded)
    }
}

/// A sequence, map, enum or variant accessor whose elements are decoded through guards.
struct GuardAccess<'b, A> {
    inner: A,
    budget: &'b Budget,
    depth: usize,
    /// Whether each element is charged to the budget (the input gave the length).
    counted: bool,
}

impl<'b, A> GuardAccess<'b, A> {
    #[inline(always)]
    fn seed<S>(&self, inner: S) -> GuardSeed<'b, S> {
        GuardSeed {
            inner,
            budget: self.budget,
            depth: self.depth,
        }
    }

    /// The visitor of a tuple or struct variant: its length comes from the type.
    #[inline(always)]
    fn visitor<V>(&self, inner: V) -> GuardVisitor<'b, V> {
        GuardVisitor {
            inner,
            budget: self.budget,
            depth: self.depth,
            counted: false,
        }
    }

    #[inline(always)]
    fn charge<E: de::Error>(&self) -> Result<(), E> {
        if self.counted {
            self.budget.take_element()
        } else {
            Ok(())
        }
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for GuardAccess<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.charge()?;
        let seed = self.seed(seed);
        self.inner.next_element_seed(seed)
    }

    // serde's provided method is not inlined into the collection's visitor, which made it a
    // call per element (24 for a byte array).
    #[inline(always)]
    fn next_element<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>, A::Error> {
        self.next_element_seed(core::marker::PhantomData)
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        // Postcard would report the length prefix (unchecked for maps): no preallocation from it.
        None
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for GuardAccess<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.charge()?;
        let seed = self.seed(seed);
        self.inner.next_key_seed(seed)
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_value_seed(seed)
    }

    #[inline(always)]
    fn next_key<K: de::Deserialize<'de>>(&mut self) -> Result<Option<K>, A::Error> {
        self.next_key_seed(core::marker::PhantomData)
    }

    #[inline(always)]
    fn next_value<V: de::Deserialize<'de>>(&mut self) -> Result<V, A::Error> {
        self.next_value_seed(core::marker::PhantomData)
    }

    #[inline(always)]
    fn size_hint(&self) -> Option<usize> {
        // Postcard would report the length prefix (unchecked for maps): no preallocation from it.
        None
    }
}

impl<'b, 'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for GuardAccess<'b, A> {
    type Error = A::Error;
    type Variant = GuardAccess<'b, A::Variant>;

    #[inline(always)]
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), A::Error> {
        let (budget, depth) = (self.budget, self.depth);
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((
            value,
            GuardAccess {
                inner: variant,
                budget,
                depth,
                counted: false,
            },
        ))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for GuardAccess<'_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    #[inline(always)]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.newtype_variant_seed(seed)
    }

    #[inline(always)]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = self.visitor(visitor);
        self.inner.tuple_variant(len, visitor)
    }

    #[inline(always)]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = self.visitor(visitor);
        self.inner.struct_variant(fields, visitor)
    }
}

/// A seed that decodes its value through a guard.
struct GuardSeed<'b, S> {
    inner: S,
    budget: &'b Budget,
    depth: usize,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for GuardSeed<'_, S> {
    type Value = S::Value;

    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Guard {
            inner: deserializer,
            budget: self.budget,
            depth: self.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Tree {
        Leaf(u8),
        Node(Box<Tree>, Box<Tree>),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Wrap(Option<Box<Wrap>>);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Session {
        user: String,
        roles: Vec<(String, bool)>,
        map: HashMap<u16, Vec<u8>>,
        tree: Tree,
        tuple: (u8, i64, char),
        bytes: BTreeMap<String, Option<u32>>,
    }

    fn chain(depth: usize) -> Wrap {
        (0..depth).fold(Wrap(None), |w, _| Wrap(Some(Box::new(w))))
    }

    #[test]
    fn decodes_what_postcard_encodes() {
        let s = Session {
            user: "alice".into(),
            roles: vec![("admin".into(), true)],
            map: HashMap::from([(1, vec![1, 2]), (300, vec![])]),
            tree: Tree::Node(Box::new(Tree::Leaf(1)), Box::new(Tree::Leaf(2))),
            tuple: (1, -5, 'é'),
            bytes: BTreeMap::from([("k".into(), Some(7)), ("n".into(), None)]),
        };
        let bytes = postcard::to_allocvec(&s).unwrap();
        assert_eq!(decode::<Session>(&bytes).unwrap(), s);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(decode::<Session>(&trailing), Err(OpenError::Payload));
        assert_eq!(
            decode::<Session>(&bytes[..bytes.len() - 1]),
            Err(OpenError::Payload)
        );
    }

    #[test]
    fn nesting_is_capped() {
        // Each level of the chain is a newtype and an option: two levels of nesting.
        let ok = postcard::to_allocvec(&chain(MAX_DEPTH / 2 - 1)).unwrap();
        assert_eq!(decode::<Wrap>(&ok).unwrap(), chain(MAX_DEPTH / 2 - 1));
        let deep = postcard::to_allocvec(&chain(MAX_DEPTH / 2)).unwrap();
        assert_eq!(decode::<Wrap>(&deep), Err(OpenError::Payload));
        // Far deeper than any stack could take, one byte per level.
        let mut evil = vec![1u8; 100_000];
        evil.push(0);
        assert_eq!(decode::<Wrap>(&evil), Err(OpenError::Payload));
    }

    #[test]
    fn zero_sized_elements_are_bounded() {
        let ok = postcard::to_allocvec(&vec![(); 1000]).unwrap();
        assert_eq!(decode::<Vec<()>>(&ok).unwrap().len(), 1000);
        // A length prefix of u64::MAX: postcard would loop 2^64 times.
        let evil = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        let limit = if cfg!(miri) { 2000 } else { MAX_EMPTY_ELEMENTS };
        assert_eq!(
            decode_with_limit::<Vec<()>>(&evil, limit),
            Err(OpenError::Payload)
        );
    }

    #[test]
    fn length_prefixes_do_not_preallocate() {
        // A map claiming 2^28 entries in a 5-byte payload fails without preallocating them
        // (measured in tests/alloc_bounds.rs).
        assert_eq!(
            decode::<HashMap<u64, u64>>(&[0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(OpenError::Payload)
        );
    }
}
