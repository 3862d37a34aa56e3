// The fixtures API, as its OpenAPI description (GET /api/openapi.json) describes it: this file
// is all this suite knows about the server besides the pages' roles and accessible names.
import { expect, type APIRequestContext } from "@playwright/test";

/** The fields of `POST /test-fixtures/accounts` this suite sends (all optional). */
export interface FixtureRequest {
  locale?: "en" | "fi";
  orders?: ("awaiting_payment" | "paid" | "shipped" | "completed" | "cancelled")[];
  pending_refund?: boolean;
  messages?: number;
  store?: boolean;
  password_age_minutes?: number;
  ttl_seconds?: number;
}

/** What its `201` answers. */
export interface Fixture {
  id: string;
  email: string;
  password: string;
  name: string;
  session: string;
  expires_at: string;
  deletion_token: string;
}

function headers(): Record<string, string> {
  const token = process.env.FIXTURES_TOKEN;
  if (!token) {
    throw new Error("FIXTURES_TOKEN is not set: the server's APP_TEST_FIXTURES_TOKEN.");
  }
  // The API changes state, so like every such request it must come from the site's origin.
  return { Authorization: `Bearer ${token}`, Origin: new URL(process.env.BASE_URL!).origin };
}

/**
 * Fails unless the served description still has the operations and fields this suite relies
 * on: a change to the contract shows here first, by name.
 */
export async function expectTheContract(request: APIRequestContext, fields: (keyof FixtureRequest)[]) {
  const description = await (await request.get("/api/openapi.json")).json();
  const create = description.paths["/test-fixtures/accounts"]?.post;
  expect(create?.operationId, "POST /test-fixtures/accounts is described").toBe("create_fixture_account");
  const schemaName = create.requestBody.content["application/json"].schema.$ref.split("/").pop();
  const described = Object.keys(description.components.schemas[schemaName].properties);
  expect(described).toEqual(expect.arrayContaining(fields));
  const remove = description.paths["/test-fixtures/accounts/{id}"]?.delete;
  expect(remove?.operationId, "DELETE /test-fixtures/accounts/{id} is described").toBe("delete_fixture_account");
}

export async function createFixture(request: APIRequestContext, body: FixtureRequest): Promise<Fixture> {
  const response = await request.post("/test-fixtures/accounts", { data: body, headers: headers() });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as Fixture;
}

/** Deletes the fixture with its deletion token (only its maker has it): `204`, or `404` once gone. */
export async function deleteFixture(request: APIRequestContext, fixture: Fixture): Promise<number> {
  const response = await request.delete(`/test-fixtures/accounts/${fixture.id}`, {
    headers: { ...headers(), "Fixture-Deletion-Token": fixture.deletion_token },
  });
  return response.status();
}
