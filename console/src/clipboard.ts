/** Puts `text` on the clipboard, or says why not, with the text to copy by hand. */
export async function copyText(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    // No clipboard outside a secure context, or a refused permission: the user can still copy it.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The browser did not let the console copy ${what} (${reason}). Copy it by hand: ${text}`);
  }
}
