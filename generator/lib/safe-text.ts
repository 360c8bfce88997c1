// Spec text that the generator prints into Helm templates and values.yaml: titles and flow ids in
// comments. The spec schema already refuses template and YAML syntax in every text field; this is
// the last check before a file is written, so a schema gap can never turn spec text into syntax.

/** What may not appear in text printed into a comment: Go-template delimiters, a comment's end, line breaks. */
const UNSAFE = /\{\{|\}\}|\*\/|[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** `text` unchanged when it is safe inside a Go-template or YAML comment; throws naming it otherwise. */
export function commentText(text: string, what: string): string {
  const found = UNSAFE.exec(text);
  if (found) {
    throw new Error(`${what}: ${JSON.stringify(text)} holds ${JSON.stringify(found[0])}, which would become template or YAML syntax in the chart`);
  }
  return text;
}
