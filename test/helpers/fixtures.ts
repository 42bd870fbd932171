import { createTestApp, type TestApp, type TestUser } from './app.js';
import { registerApp } from './apps.js';

/** A user with a live access token. */
export interface SignedIn extends TestUser {
  token: string;
}

type AppOptions = Parameters<typeof createTestApp>[0];

/** An operator, logged in. Created through the services: the API makes operators only for operators. */
export async function loggedInOperator(t: TestApp): Promise<SignedIn> {
  const operator = await t.createOperator();
  return { ...operator, token: (await t.login(operator)).token };
}

/** A user registered and logged in through the API. */
export async function loggedInUser(t: TestApp): Promise<SignedIn> {
  const user = await t.registerUser();
  return { ...user, token: (await t.login(user)).token };
}

/** A test file's app with a logged-in operator: where operator tests start. Close `t` after the file. */
export async function appWithOperator(options?: AppOptions): Promise<{ t: TestApp; operator: SignedIn }> {
  const t = await createTestApp(options);
  return { t, operator: await loggedInOperator(t) };
}

/** appWithOperator, plus an app the operator registered and a logged-in user: where profile tests start. */
export async function appWithOperatorAppAndUser(
  options?: AppOptions,
): Promise<{ t: TestApp; operator: SignedIn; appId: number; user: SignedIn }> {
  const { t, operator } = await appWithOperator(options);
  const appId = (await registerApp(t, operator.token)).id;
  return { t, operator, appId, user: await loggedInUser(t) };
}

/** N of T, as a tuple type: `[T, T]` for 2, so each can be destructured without a check. */
type Tuple<T, N extends number, Built extends T[] = []> = Built['length'] extends N ? Built : Tuple<T, N, [...Built, T]>;

/** appWithOperator, `apps` apps of theirs and `users` logged-in users: where tests of users' own profiles start. */
export async function appWithAppsAndUsers<A extends number, U extends number>(
  apps: A,
  users: U,
  options?: AppOptions,
): Promise<{ t: TestApp; operator: SignedIn; appIds: Tuple<number, A>; users: Tuple<SignedIn, U> }> {
  const { t, operator } = await appWithOperator(options);
  const appIds: number[] = [];
  for (let i = 0; i < apps; i++) appIds.push((await registerApp(t, operator.token)).id);
  const signedIn: SignedIn[] = [];
  for (let i = 0; i < users; i++) signedIn.push(await loggedInUser(t));
  return { t, operator, appIds: appIds as Tuple<number, A>, users: signedIn as Tuple<SignedIn, U> };
}
