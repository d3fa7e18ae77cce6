/**
 * Whether an address belongs to the org: its domains compared case-insensitively, subdomains
 * included (`eu.acme.com` is internal to `acme.com`). Plain data in, so the parse rules can use it
 * without loading the registry's schemas.
 */
export function isInternalAddress(
  org: { readonly internalDomains: readonly string[] },
  address: string,
): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return org.internalDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
}
