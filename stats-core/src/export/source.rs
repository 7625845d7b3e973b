//! What a collector for another crate's registry reads: one table, or
//! every table of a [`Registry`]. Shared by the `prometheus` and
//! `prometheus-client` collectors.

use crate::export::names::{RegisterError, check_table};
use crate::export::registry::{RegistrableTable, Registry};
use crate::export::snapshot::TableSnapshot;
use std::fmt;
use std::time::Duration;

pub(crate) enum Source {
    Table {
        table: Box<dyn RegistrableTable>,
        deadline: Duration,
    },
    Registry(Registry),
}

impl Source {
    /// One table, read with `deadline`, once its names pass the checks a
    /// registry makes.
    pub(crate) fn table(
        table: impl RegistrableTable,
        deadline: Duration,
    ) -> Result<Self, RegisterError> {
        let exported = table.exported();
        check_table(exported.table_name(), exported.fields())?;
        Ok(Self::Table {
            table: Box::new(table),
            deadline,
        })
    }

    /// Every table of `registry`, shared: tables registered later too.
    pub(crate) fn registry(registry: &Registry) -> Self {
        Self::Registry(registry.clone())
    }

    /// Hands each table's snapshot to `each`, in order, until one fails.
    pub(crate) fn try_each_snapshot<E>(
        &self,
        mut each: impl FnMut(&TableSnapshot) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Self::Table { table, deadline } => each(&table.exported().export_within(*deadline)),
            Self::Registry(registry) => registry.snapshots().iter().try_for_each(each),
        }
    }

    /// Hands each table's snapshot to `each`, in order.
    #[cfg(feature = "prometheus")]
    pub(crate) fn each_snapshot(&self, mut each: impl FnMut(&TableSnapshot)) {
        let _: Result<(), std::convert::Infallible> = self.try_each_snapshot(|snapshot| {
            each(snapshot);
            Ok(())
        });
    }

    /// The collector's `Debug` output, named `name`.
    pub(crate) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct(name);
        match self {
            Self::Table { table, deadline } => debug
                .field("table", &table.exported().table_name())
                .field("deadline", deadline),
            Self::Registry(registry) => debug.field("registry", registry),
        };
        debug.finish_non_exhaustive()
    }
}
