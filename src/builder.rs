//! The builder methods that options and hyperparameter types write alike.

/// Builder methods over public fields, one per field: `field(mut self, value)` sets
/// `self.field` and returns `self`; its doc points to the field's. For options and
/// hyperparameters whose setters do nothing else (`setters!(f64: eps, atol; bool: on)`).
macro_rules! setters {
    ($($ty:ty: $($field:ident),+);+ $(;)?) => {
        $($(
            #[doc = concat!("Sets [`", stringify!($field), "`](field@Self::", stringify!($field), ").")]
            pub fn $field(mut self, $field: $ty) -> Self {
                self.$field = $field;
                self
            }
        )+)+
    };
}
pub(crate) use setters;
