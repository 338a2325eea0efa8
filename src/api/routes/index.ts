/**
 * Route groups and the services they need. A group registers its routes only
 * when its service is present, so `tally api`, `tally processor` and
 * `tally start` each serve what they run.
 */
import type { FastifyInstance } from 'fastify';

/** Services behind the API; each optional. Filled in as route groups are added. */
export interface ApiServices {
  readonly [name: string]: unknown;
}

export type RegisterRoutes = (app: FastifyInstance, services: ApiServices) => Promise<void> | void;

export const API_ROUTE_GROUPS: readonly RegisterRoutes[] = [];
