export function UserPage(_props: Record<string, unknown>) {
  return <h1>UserPage</h1>;
}
