export {
  AbortError,
  ApiStatusError,
  DecodeError,
  ExecCredentialError,
  InvalidArgumentError,
  isAbortError,
  isApiStatusError,
  isDecodeError,
  isExecCredentialError,
  isInvalidArgumentError,
  isKcpError,
  isKubeconfigError,
  isNetworkError,
  isTimeoutError,
  KcpError,
  KubeconfigError,
  NetworkError,
  TimeoutError,
} from './errors.js';
export type { ApiStatusErrorInit, KcpErrorCode, KcpErrorOptions, StatusDetails } from './errors.js';
export type { Logger } from './logger.js';
