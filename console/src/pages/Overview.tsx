export function Overview(_props: Record<string, unknown>) {
  return <h1>Overview</h1>;
}
