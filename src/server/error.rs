//! The one table of API error codes and HTTP statuses. Every error answers
//! `{ "code": ..., "message": ... }`; internal failures answer a generic message and log
//! the detail.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::record::{BallotError, SpecError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Spec(SpecError),
    #[error("{0}")]
    Ballot(BallotError),
    #[error("请求体超过 {max} 字节 / The request body exceeds {max} bytes.")]
    TooLarge { max: usize },
    #[error("请求不是有效的 JSON: {0} / The request is not valid JSON: {0}")]
    BadJson(String),
    #[error("没有这个地址 / No such endpoint.")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Spec(e) => e.code(),
            ApiError::Ballot(e) => e.code,
            ApiError::TooLarge { .. } => "request_too_large",
            ApiError::BadJson(_) => "bad_json",
            ApiError::NotFound => "not_found",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn from_json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
        use actix_web::error::JsonPayloadError as J;
        match err {
            J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
                ApiError::TooLarge { max: *limit }
            }
            other => ApiError::BadJson(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Spec(_) | ApiError::Ballot(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadJson(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(detail) => {
                tracing::error!(detail = %detail, "internal error");
                "内部错误, 详情见服务日志 / Internal error; the detail is in the service log."
                    .to_string()
            }
            other => other.to_string(),
        };
        HttpResponse::build(self.status_code())
            .json(serde_json::json!({ "code": self.code(), "message": message }))
    }
}
