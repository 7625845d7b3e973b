// UI test: `#[pin_project]`'s `project()` / `project_ref()` keep a struct's
// fields by their names, so a shared lock reached through a projection is
// followed. Every lint runs.
use pin_project::pin_project;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

type Pool = Mutex<HashMap<String, u32>>;

#[pin_project]
pub struct Checkout<F> {
    #[pin]
    inner: F,
    key: String,
    pool: Weak<Pool>,
}

impl<F: Future<Output = u32>> Future for Checkout<F> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let this = self.project();
        let n = match this.inner.poll(cx) {
            Poll::Ready(n) => n,
            Poll::Pending => return Poll::Pending,
        };
        if let Some(pool) = this.pool.upgrade() {
            pool.lock().unwrap().insert(this.key.clone(), n); //~ poison_cascade shared_map_mutation
        }
        Poll::Ready(n)
    }
}

pub fn checkout<F>(pool: &Arc<Pool>, inner: F) -> Checkout<F> {
    Checkout {
        inner,
        key: String::new(),
        pool: Arc::downgrade(pool),
    }
}

// ---- not flagged ----

#[pin_project]
pub struct Local<F> {
    #[pin]
    inner: F,
    seen: HashMap<String, u32>,
}

impl<F: Future<Output = u32>> Future for Local<F> {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let this = self.project();
        this.seen.insert(String::new(), 1);
        this.inner.poll(cx)
    }
}
