// How an integrator uses the contract from TypeScript (openapi-typescript + openapi-fetch), type-checked against
// the committed contract with `tsc --strict` on every build (bin/check-ts-client). It is compiled, not run.
import createClient from "openapi-fetch";
import type { components, paths } from "./myriad";

type Problem = components["schemas"]["Problem"];
type Project = components["schemas"]["Project"];

export async function allProjects(baseUrl: string, token: string, tenantId: string): Promise<Project[]> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const all: Project[] = [];
  let cursor = undefined as string | undefined;
  // nextCursor is absent on the last page (never null): loop while it is present.
  do {
    const { data, error } = await client.GET("/api/v1/tenants/{tenantId}/projects", {
      params: { path: { tenantId }, query: { limit: 100, cursor } },
    });
    if (error) {
      throw new Error(`${error.code}: ${error.detail ?? error.title}`);
    }
    all.push(...(data.items ?? []));
    cursor = data.nextCursor;
  } while (cursor !== undefined);
  return all;
}

/** A typed Problem on a conflict: branch on its code, an enum of the contract. */
export async function createProject(baseUrl: string, token: string, tenantId: string, slug: string,
    key: string): Promise<Project | "slug-taken"> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const { data, error } = await client.POST("/api/v1/tenants/{tenantId}/projects", {
    params: { path: { tenantId }, header: { "Idempotency-Key": key } },
    body: { slug, name: slug },
  });
  if (error) {
    const problem: Problem = error;
    if (problem.code === "PROJECT_SLUG_TAKEN") {
      return "slug-taken";
    }
    throw new Error(problem.code);
  }
  return data;
}

type Job = components["schemas"]["Job"];

/**
 * Retags a job before it starts, by a JSON merge patch: a tag given a string is set, one given null removed, the
 * others kept. A job that has run is refused with JOB_NOT_UPDATABLE (its usage was exported under its tags).
 */
export async function retag(baseUrl: string, token: string, jobId: string,
    team: string): Promise<Job | "already-started"> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const { data, error } = await client.PATCH("/api/v1/jobs/{jobId}", {
    params: { path: { jobId } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { tags: { team, experiment: null } },
  });
  if (error) {
    if (error.code === "JOB_NOT_UPDATABLE") {
      return "already-started";
    }
    throw new Error(error.code);
  }
  return data;
}

type JobArray = components["schemas"]["JobArray"];

/**
 * A sweep as one job array: `size` jobs alike bought whole or not at all, at most `maxRunning` of them running at
 * once, each raised above the tenant's other jobs by `priority`. A budget too small for all of them refuses all.
 */
export async function sweep(baseUrl: string, token: string, projectId: string, clusterId: string, size: number,
    key: string): Promise<JobArray | "over-budget"> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const { data, error } = await client.POST("/api/v1/job-arrays", {
    params: { header: { "Idempotency-Key": key } },
    body: {
      size,
      maxRunning: 4,
      job: { projectId, clusterId, model: "ASCEND-910B", cards: 1, class: "SPOT", maxRunSeconds: 3600, priority: 10,
        name: "lr-sweep", tags: { experiment: "lr-sweep" } },
    },
  });
  if (error) {
    if (error.code === "BUDGET_EXCEEDED") {
      return "over-budget";
    }
    throw new Error(error.code);
  }
  return data;
}
