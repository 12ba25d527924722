/** SIEM content over the data ctxsiem delivers, and what verifies it offline. */
export {};
