/**
 * Route-type sets as OpenSIPS modules spell them in their command tables. Keeping them
 * named (instead of repeating arrays) makes each module table read like its C original.
 */
import { ALL_ROUTES, type RouteTypeName } from '@tsips/script';

export const REQ: readonly RouteTypeName[] = ['REQUEST_ROUTE'];
export const REQ_ERR: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'ERROR_ROUTE'];
export const REQ_FAIL: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE'];
export const REQ_REPLY: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'ONREPLY_ROUTE'];
export const REQ_BRANCH_FAIL: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'BRANCH_ROUTE', 'FAILURE_ROUTE'];
export const REQ_FAIL_LOCAL: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'LOCAL_ROUTE'];
export const REQ_FAIL_LOCAL_BRANCH: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'LOCAL_ROUTE', 'BRANCH_ROUTE'];
export const REQ_BRANCH_LOCAL: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE'];
export const REQ_BRANCH_FAIL_LOCAL: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'BRANCH_ROUTE', 'FAILURE_ROUTE', 'LOCAL_ROUTE'];
/** request + failure + onreply + branch: the "SIP message with a transaction" routes. */
export const REQ_FAIL_REPLY_BRANCH: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE'];
/** The above plus local_route: every route that carries a SIP message but error_route. */
export const MSG_NO_ERR: readonly RouteTypeName[] = ['REQUEST_ROUTE', 'FAILURE_ROUTE', 'ONREPLY_ROUTE', 'BRANCH_ROUTE', 'LOCAL_ROUTE'];
export const ALL: readonly RouteTypeName[] = ALL_ROUTES;
/** Every route but startup_route (ratelimit's table lists them one by one). */
export const ALL_BUT_STARTUP: readonly RouteTypeName[] = ALL_ROUTES.filter((r) => r !== 'STARTUP_ROUTE');
