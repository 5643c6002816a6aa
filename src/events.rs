//! The event vocabulary: GA4 e-commerce event names plus `dwell`, and the
//! confidence weights each kind carries in the fold-in.

use crate::error::{invalid, Result};

/// Number of event kinds; the weight tables and per-item counters are arrays
/// of this length, indexed by `EventKind as usize`.
pub const EVENT_KIND_COUNT: usize = 8;

/// What the shopper did. The names are GA4's e-commerce event names, so a
/// page can forward what it already sends to its analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    ViewItem = 0,
    SelectItem = 1,
    AddToCart = 2,
    RemoveFromCart = 3,
    AddToWishlist = 4,
    BeginCheckout = 5,
    Purchase = 6,
    /// Time spent on a product page; its weight is per 10 seconds, capped at a minute.
    Dwell = 7,
}

impl EventKind {
    pub const ALL: [EventKind; EVENT_KIND_COUNT] = [
        EventKind::ViewItem,
        EventKind::SelectItem,
        EventKind::AddToCart,
        EventKind::RemoveFromCart,
        EventKind::AddToWishlist,
        EventKind::BeginCheckout,
        EventKind::Purchase,
        EventKind::Dwell,
    ];

    /// The GA4 spelling.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::ViewItem => "view_item",
            EventKind::SelectItem => "select_item",
            EventKind::AddToCart => "add_to_cart",
            EventKind::RemoveFromCart => "remove_from_cart",
            EventKind::AddToWishlist => "add_to_wishlist",
            EventKind::BeginCheckout => "begin_checkout",
            EventKind::Purchase => "purchase",
            EventKind::Dwell => "dwell",
        }
    }

    /// Parses a GA4 event name (exact, lower case).
    pub fn parse(name: &str) -> Result<EventKind> {
        EventKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                invalid(format!(
                    "unknown event name \"{}\": expected one of {}",
                    truncate_for_message(name),
                    EventKind::ALL.map(|k| k.name()).join(", ")
                ))
            })
    }

    /// Looks a kind up by its numeric code (as stored in an exported profile).
    pub fn from_code(code: u8) -> Option<EventKind> {
        EventKind::ALL.get(code as usize).copied()
    }

    /// The verb used in explanations: "because you viewed …".
    pub fn past_tense(self) -> &'static str {
        match self {
            EventKind::ViewItem | EventKind::Dwell => "viewed",
            EventKind::SelectItem => "clicked",
            EventKind::AddToCart => "added to cart",
            EventKind::RemoveFromCart => "removed from cart",
            EventKind::AddToWishlist => "wishlisted",
            EventKind::BeginCheckout => "checked out",
            EventKind::Purchase => "bought",
        }
    }
}

/// Keeps user-supplied strings short inside error messages (a 10 MB string
/// must not come back as a 10 MB message).
pub(crate) fn truncate_for_message(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}… ({} chars)", s.chars().count())
    }
}

/// Confidence weight per event kind. Negative weights (remove_from_cart)
/// take back what an earlier event gave; an item's total never drops below zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventWeights(pub [f32; EVENT_KIND_COUNT]);

impl Default for EventWeights {
    fn default() -> Self {
        EventWeights([1.0, 1.0, 4.0, -4.0, 3.0, 6.0, 8.0, 0.5])
    }
}

impl EventWeights {
    pub fn get(&self, kind: EventKind) -> f32 {
        self.0[kind as usize]
    }

    pub fn set(&mut self, kind: EventKind, weight: f32) -> Result<()> {
        if !weight.is_finite() || weight.abs() > 1.0e4 {
            return Err(invalid(format!(
                "event weight for {} must be a finite number between -10000 and 10000, got {}",
                kind.name(),
                crate::number_text::Num::from(weight)
            )));
        }
        self.0[kind as usize] = weight;
        Ok(())
    }
}

/// How much one event adds to its kind's counter. Dwell is measured in units
/// of 10 seconds and capped at 6 units so that a tab left open does not
/// dominate the profile.
pub fn event_units(kind: EventKind, dwell_ms: Option<f64>) -> f32 {
    match kind {
        EventKind::Dwell => {
            let ms = dwell_ms.unwrap_or(0.0);
            if ms.is_finite() && ms > 0.0 {
                (ms / 10_000.0).min(6.0) as f32
            } else {
                0.0
            }
        }
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_code() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.name()).unwrap(), kind);
            assert_eq!(EventKind::from_code(kind as u8), Some(kind));
        }
        assert_eq!(EventKind::from_code(8), None);
    }

    #[test]
    fn unknown_name_lists_the_accepted_ones() {
        let err = EventKind::parse("page_view").unwrap_err().to_string();
        assert!(
            err.contains("page_view") && err.contains("add_to_cart"),
            "{err}"
        );
    }

    #[test]
    fn huge_names_are_shortened_in_messages() {
        let name = "x".repeat(1_000_000);
        let err = EventKind::parse(&name).unwrap_err().to_string();
        assert!(err.len() < 400, "message of {} bytes", err.len());
    }

    #[test]
    fn dwell_units_are_capped_and_ignore_garbage() {
        assert_eq!(event_units(EventKind::Dwell, Some(20_000.0)), 2.0);
        assert_eq!(event_units(EventKind::Dwell, Some(1.0e9)), 6.0);
        assert_eq!(event_units(EventKind::Dwell, Some(f64::NAN)), 0.0);
        assert_eq!(event_units(EventKind::Dwell, Some(-5.0)), 0.0);
        assert_eq!(event_units(EventKind::ViewItem, None), 1.0);
    }

    #[test]
    fn weights_reject_non_finite_values() {
        let mut w = EventWeights::default();
        assert!(w.set(EventKind::Purchase, f32::NAN).is_err());
        assert!(w.set(EventKind::Purchase, 12.0).is_ok());
        assert_eq!(w.get(EventKind::Purchase), 12.0);
    }
}
