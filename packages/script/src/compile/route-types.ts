import type { RouteBlock } from '../syntax/ast';
import type { RouteTypeName } from '../exports/types';

/** Route block kinds of the AST and OpenSIPS's route type names. */
export const AST_ROUTE_TYPES: Record<RouteBlock['type'], RouteTypeName> = {
  request: 'REQUEST_ROUTE',
  onreply: 'ONREPLY_ROUTE',
  failure: 'FAILURE_ROUTE',
  branch: 'BRANCH_ROUTE',
  local: 'LOCAL_ROUTE',
  startup: 'STARTUP_ROUTE',
  timer: 'TIMER_ROUTE',
  event: 'EVENT_ROUTE',
  error: 'ERROR_ROUTE',
};
