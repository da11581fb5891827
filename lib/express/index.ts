/**
 * The server's half of client-side balancing, for Express 4 and 5: register an instance with Consul,
 * report its health, and drain it without failing a request. Published as `proxyless/express`.
 */
export { register } from './register.js';
export { loadReport, loadReportHeader } from './load-report.js';
export type { LoadReportOptions, LoadReportMiddleware } from './load-report.js';
export type { Registration } from './registration.js';
export type {
  RegisterOptions,
  HttpCheckOptions,
  TtlCheckOptions,
  DrainOptions,
  HealthFunction,
  HealthState,
  ExpressApp,
} from './register-options.js';
export type { Duration } from './duration.js';
export type { ListeningServer } from './instance-address.js';
export type { RegistrationEvents, RegisteredEvent, DrainingEvent, DrainedEvent, DrainResult } from './registration-events.js';
export type { ConsulOption, ConsulConnectionOptions } from '../discovery/consul-connection.js';
export { RegistrationError } from '../errors/registration-error.js';
export type { RegistrationOperation } from '../errors/registration-error.js';
export { RegistrationTimeoutError } from '../errors/registration-timeout-error.js';
export { RegistrationCanceledError } from '../errors/registration-canceled-error.js';
export { InvalidOptionError } from '../errors/invalid-option-error.js';
export { ProxylessError } from '../errors/proxyless-error.js';

// The live status page of one or more clients, mounted on the app: `app.use('/lb', statusPage(client))`.
export { statusPage } from '../observe/status-page.js';
export type { StatusPageHandler, StatusPageRequest, StatusPageResponse, StatusDocument } from '../observe/status-page.js';
