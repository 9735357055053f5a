//! The areas of the API: each lists its handlers once, and the list both routes them and
//! documents them.

use actix_web::web;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::OpenApi;

/// One area of the API, listed once: `area!(login, logout, ...)` in the area's module gives
///
/// * `configure(cfg, limit)`: routes each handler at the method and path of its
///   `#[utoipa::path]` (`handler with f` routes it as a resource with `f(limit)`, its own JSON
///   limits, where `limit` is the service's request body limit);
/// * `paths()`: the area's part of the document.
///
/// A handler without `#[utoipa::path]` does not compile in the list.
macro_rules! area {
    ($($handler:ident $(with $json:path)?),+ $(,)?) => {
        /// Routes this area's handlers at the method and path of their `#[utoipa::path]`.
        pub fn configure(cfg: &mut actix_web::web::ServiceConfig, limit: usize) {
            let _ = limit;
            $({
                #[derive(utoipa::OpenApi)]
                #[openapi(paths($handler))]
                struct One;
                $crate::server::openapi::route(
                    cfg,
                    &<One as utoipa::OpenApi>::openapi(),
                    $handler,
                    None $(.or(Some($json(limit))))?,
                );
            })+
        }

        /// This area's operations, for the document.
        pub fn paths() -> utoipa::openapi::OpenApi {
            #[derive(utoipa::OpenApi)]
            #[openapi(paths($($handler),+))]
            struct Area;
            <Area as utoipa::OpenApi>::openapi()
        }
    };
}
pub(crate) use area;

/// The actix method of an OpenAPI method.
fn actix_method(method: &HttpMethod) -> actix_web::http::Method {
    use actix_web::http::Method;
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// The operations of a path item, with their methods.
pub(super) fn item_operations(item: &PathItem) -> Vec<(HttpMethod, &Operation)> {
    [
        (HttpMethod::Get, &item.get),
        (HttpMethod::Put, &item.put),
        (HttpMethod::Post, &item.post),
        (HttpMethod::Delete, &item.delete),
        (HttpMethod::Options, &item.options),
        (HttpMethod::Head, &item.head),
        (HttpMethod::Patch, &item.patch),
        (HttpMethod::Trace, &item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
    .collect()
}

/// Routes `handler` at every (method, path) of `doc` (one handler's document). With `json`,
/// as a resource of its own with that JSON configuration.
pub fn route<F, Args>(
    cfg: &mut web::ServiceConfig,
    doc: &OpenApi,
    handler: F,
    json: Option<web::JsonConfig>,
) where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    for (path, item) in &doc.paths.paths {
        for (method, _) in item_operations(item) {
            let route = web::method(actix_method(&method)).to(handler.clone());
            match json.clone() {
                Some(json) => {
                    cfg.service(web::resource(path.as_str()).app_data(json).route(route));
                }
                None => {
                    cfg.route(path, route);
                }
            }
        }
    }
}
