import { useEffect, useState } from "preact/hooks";
import { onTokenWanted, tokenWanted, keepToken } from "./token.js";

/** Shown once the collector answers 401: asks for its HTTP token, which this tab then keeps. */
export function TokenPrompt() {
  const [shown, setShown] = useState(tokenWanted());
  const [value, setValue] = useState("");
  useEffect(() => onTokenWanted(() => setShown(true)), []);
  if (!shown) return null;
  return (
    <form
      class="token-prompt"
      aria-label="Collector token"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim() !== "") keepToken(value.trim());
      }}
    >
      <label for="token-input">This collector's data needs its token (its http.tokenFile). It is kept in this tab only, until it closes.</label>
      <div class="token-row">
        <input id="token-input" type="password" autoComplete="off" value={value} onInput={(event) => setValue((event.target as HTMLInputElement).value)} />
        <button type="submit">Use the token</button>
      </div>
    </form>
  );
}
