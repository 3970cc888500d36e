import { describe, expect, it } from "vitest";
import { BearerToken } from "../../host/auth/bearer-token.js";

const TOKEN = "s3cr3t-Tok3n.for_the~filter+only/=";

describe("a Bearer credential", () => {
  const bearer = new BearerToken(TOKEN);

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `bEaReR ${TOKEN}`, `Bearer  ${TOKEN}`])("takes %j: the scheme in any case", (value) => {
    expect(bearer.check([value])).toBe("ok");
    expect(bearer.check([Buffer.from(value, "latin1")])).toBe("ok");
  });

  it.each([
    ["another scheme", `Basic ${TOKEN}`],
    ["no space after the scheme", `Bearer${TOKEN}`],
    ["a tab for the space", `Bearer\t${TOKEN}`],
    ["the token alone", TOKEN],
    ["a trailing space", `Bearer ${TOKEN} `],
    ["the token in another case", `Bearer ${TOKEN.toUpperCase()}`],
    ["two credentials joined", `Bearer x, Bearer ${TOKEN}`],
    ["the scheme alone", "Bearer "],
    ["a line break before the token", `Bearer \n${TOKEN}`],
    ["the empty string", ""],
  ])("refuses %s", (_name, value) => {
    expect(bearer.check([value])).toBe("wrong");
  });

  it("refuses the token sent twice, and says when none was sent", () => {
    expect(bearer.check([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toBe("wrong");
    expect(bearer.check([])).toBe("missing");
  });
});
