//! What `#[derive(StatKey)]` generates: order, indices, labels, renames and
//! the `crate` override.

use stats_core::{KeyLabel, StatKey};

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    BankTransfer,
    #[stat_key(rename = "apple-pay")]
    ApplePay,
}

#[test]
fn all_lists_every_variant_in_declaration_order() {
    assert_eq!(
        Method::ALL,
        [Method::Card, Method::BankTransfer, Method::ApplePay]
    );
    for (position, key) in Method::ALL.iter().enumerate() {
        assert_eq!(key.index(), position);
        assert_eq!(Method::ALL[key.index()], *key);
    }
}

#[test]
fn index_and_rank_are_the_declaration_position() {
    assert_eq!(Method::Card.index(), 0);
    assert_eq!(Method::BankTransfer.index(), 1);
    assert_eq!(Method::ApplePay.index(), 2);
    assert_eq!(
        Method::ALL.iter().map(KeyLabel::rank).collect::<Vec<_>>(),
        [0, 1, 2]
    );
}

#[test]
fn labels_are_snake_case_unless_renamed() {
    assert_eq!(Method::Card.label(), "card");
    assert_eq!(Method::BankTransfer.label(), "bank_transfer");
    assert_eq!(Method::ApplePay.label(), "apple-pay");
    assert_eq!(Method::LABELS, ["card", "bank_transfer", "apple-pay"]);
    for key in Method::ALL {
        assert_eq!(Method::LABELS[key.index()], key.label());
    }
}

#[test]
fn labels_work_through_trait_objects_and_generics() {
    fn labels<K: StatKey>() -> Vec<String> {
        K::ALL.iter().map(|k| k.label().to_owned()).collect()
    }
    let key: &dyn KeyLabel = &Method::BankTransfer;
    assert_eq!((key.label(), key.rank()), ("bank_transfer", 1));
    assert_eq!(labels::<Method>(), ["card", "bank_transfer", "apple-pay"]);
}

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
enum Protocol {
    HTTP2,
    HTTPServer,
    HttpServer2,
    Http2Server,
    IPv4,
    X509Cert,
    Errors5xx,
    #[allow(non_camel_case_types)]
    Bank_Transfer,
}

#[test]
fn acronyms_stay_one_word() {
    assert_eq!(
        Protocol::LABELS,
        [
            "http2",
            "http_server",
            "http_server2",
            "http2_server",
            "i_pv4",
            "x509_cert",
            "errors5xx",
            "bank_transfer",
        ]
    );
}

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    r#Type,
    #[stat_key(rename = "r#match")]
    r#Match,
    r#Loop,
}

#[test]
fn raw_identifiers_use_the_unraw_name() {
    assert_eq!(
        Keyword::ALL,
        [Keyword::r#Type, Keyword::r#Match, Keyword::r#Loop]
    );
    assert_eq!(Keyword::r#Type.label(), "type");
    assert_eq!(Keyword::r#Match.label(), "r#match");
    assert_eq!(Keyword::LABELS, ["type", "r#match", "loop"]);
    assert_eq!(Keyword::r#Loop.index(), 2);
}

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Status {
    NotFound = 44,
    Ok = 2,
    #[stat_key(rename = "5xx")]
    ServerError = 50,
}

#[test]
fn explicit_discriminants_are_ignored() {
    assert_eq!(
        Status::ALL,
        [Status::NotFound, Status::Ok, Status::ServerError]
    );
    assert_eq!(
        Status::ALL.iter().map(|s| s.index()).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(Status::ServerError as u8, 50);
    assert_eq!(Status::LABELS, ["not_found", "ok", "5xx"]);
}

#[derive(StatKey, Clone, Copy, Debug, PartialEq, Eq)]
enum Single {
    #[stat_key(rename = "the only one, with spaces & ünïcode")]
    Only,
}

#[test]
fn any_non_empty_string_is_a_label() {
    assert_eq!(Single::ALL, [Single::Only]);
    assert_eq!(Single::Only.label(), "the only one, with spaces & ünïcode");
    assert_eq!(Single::Only.index(), 0);
}

mod reexport {
    pub use stats_core as core2;
}

mod renamed {
    #[derive(super::reexport::core2::StatKey, Clone, Copy, Debug, PartialEq, Eq)]
    #[stat_key(crate = "crate::reexport::core2")]
    pub enum Region {
        EuWest,
        #[stat_key(rename = "us")]
        UsEast,
    }
}

#[test]
fn crate_override_names_the_runtime() {
    use renamed::Region;
    assert_eq!(Region::ALL, [Region::EuWest, Region::UsEast]);
    assert_eq!(Region::LABELS, ["eu_west", "us"]);
    assert_eq!(Region::UsEast.index(), 1);
    assert_eq!(Region::EuWest.label(), "eu_west");
}

mod public {
    /// A public key set inside a module.
    #[derive(stats_core::StatKey, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Outcome {
        /// Delivered.
        Shipped,
        /// Paid back.
        #[stat_key(rename = "refunded_in_full")]
        Refunded,
    }
}

#[test]
fn pub_enum_in_a_module() {
    use public::Outcome;
    use stats_core::StatKey as _;
    assert_eq!(Outcome::ALL, [Outcome::Shipped, Outcome::Refunded]);
    assert_eq!(Outcome::LABELS, ["shipped", "refunded_in_full"]);
    assert_eq!(Outcome::Refunded.label(), "refunded_in_full");
    assert_eq!(Outcome::Refunded.rank(), Outcome::Refunded.index());
}
