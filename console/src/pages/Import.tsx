export function Import(_props: Record<string, unknown>) {
  return <h1>Import</h1>;
}
