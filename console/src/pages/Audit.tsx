export function Audit(_props: Record<string, unknown>) {
  return <h1>Audit</h1>;
}
