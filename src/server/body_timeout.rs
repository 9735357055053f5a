//! A deadline on every request body (`body_read_timeout_seconds`).
//!
//! actix bounds the time to receive a request's head (`client_request_timeout`) and the idle
//! time between requests (`keep_alive`), but nothing bounds the body: a client that announces
//! `Content-Length: 100` and sends one byte holds its connection for as long as it likes. This
//! middleware wraps the payload of every request, whatever extracts it (JSON, the roll's CSV,
//! the tellers' larger entries), in a stream that fails once the deadline, counted from the
//! arrival of the head, has passed. The request then answers 408 `body_timeout` with
//! `Connection: close`, whatever error the extractor made of the failure.
//!
//! A body that has not fully arrived when the response is ready (the deadline passed, or the
//! handler answered without reading it, as the role extractors do) gets `Connection: close`
//! and is kept alive until actix has sent the response head: actix closes a connection whose
//! request payload is unfinished and not dropped, whereas it would drain a dropped chunked
//! payload for as long as the client trickles it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep_until, Instant, Sleep};
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage as _, ResponseError};
use futures_util::Stream;

use super::{ApiError, AppState};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Progress {
    Reading,
    Done,
    TimedOut,
}

/// The request's own payload and how far it was read; shared by the stream the handler reads
/// and the middleware that answers.
struct Body {
    payload: RefCell<Payload>,
    progress: Cell<Progress>,
}

/// Held in the response's extensions so the unfinished payload outlives the response head.
struct Unfinished(#[allow(dead_code)] Rc<Body>);

/// The payload as handlers see it: the request's own, until the deadline.
struct Timed {
    body: Rc<Body>,
    deadline: Pin<Box<Sleep>>,
}

fn timeout_error() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.body.progress.get() {
            Progress::Done => return Poll::Ready(None),
            Progress::TimedOut => return Poll::Ready(Some(Err(timeout_error()))),
            Progress::Reading => {}
        }
        let polled = {
            let mut payload = this.body.payload.borrow_mut();
            Pin::new(&mut *payload).poll_next(cx)
        };
        match polled {
            Poll::Ready(None) => {
                this.body.progress.set(Progress::Done);
                Poll::Ready(None)
            }
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_ready() {
                    this.body.progress.set(Progress::TimedOut);
                    Poll::Ready(Some(Err(timeout_error())))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

/// Whether the rest of an unread body has already arrived: discards what is buffered, without
/// waiting for more. Then the connection can serve its next request.
fn rest_arrived(body: &Body) -> bool {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut payload = body.payload.borrow_mut();
    loop {
        match Pin::new(&mut *payload).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(None) => return true,
            Poll::Ready(Some(Err(_))) | Poll::Pending => return false,
        }
    }
}

/// Middleware: the deadline on the body, and the answer when it passed.
pub async fn limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(seconds) = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.body_read_timeout_seconds)
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        req.set_payload(payload);
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let body = Rc::new(Body {
        payload: RefCell::new(payload),
        progress: Cell::new(Progress::Reading),
    });
    let timed = Timed {
        body: body.clone(),
        deadline: Box::pin(sleep_until(Instant::now() + Duration::from_secs(seconds))),
    };
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(timed);
    req.set_payload(Payload::from(stream));
    let mut res = next.call(req).await?;
    match body.progress.get() {
        Progress::Done => Ok(res.map_into_left_body()),
        Progress::Reading if rest_arrived(&body) => Ok(res.map_into_left_body()),
        Progress::Reading => {
            // Answered before the whole body arrived: close rather than wait for the rest.
            let response = res.response_mut();
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            response.extensions_mut().insert(Unfinished(body));
            Ok(res.map_into_left_body())
        }
        Progress::TimedOut => {
            if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
                state
                    .metrics
                    .bodies_timed_out
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let mut response = ApiError::BodyTimeout { seconds }.error_response();
            response.extensions_mut().insert(Unfinished(body));
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, response).map_into_right_body())
        }
    }
}
