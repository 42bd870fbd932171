export function Apps(_props: Record<string, unknown>) {
  return <h1>Apps</h1>;
}
