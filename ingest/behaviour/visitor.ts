import { createHmac, randomBytes } from "node:crypto";

/**
 * Unique visitors without keeping who they are: a keyed hash of (site, address, user agent) under a
 * random salt made in memory for each UTC day and then forgotten, so yesterday's hashes cannot be
 * recomputed or linked to today's, and no address is ever written anywhere.
 */
export class VisitorHash {
  private day = "";
  private salt = Buffer.alloc(0);

  of(site: string, address: string, userAgent: string, now = new Date()): string {
    const day = now.toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.salt = randomBytes(32);
    }
    return createHmac("sha256", this.salt)
      .update(`${site}\0${address}\0${userAgent}`)
      .digest("hex")
      .slice(0, 16);
  }
}

/** Crawlers, monitors and scripted clients say so in their user agent; headless browsers too. */
const BOT =
  /bot|crawl|spider|slurp|headless|lighthouse|pingdom|monitor|preview|curl|wget|python|java\/|go-http|axios|node-fetch|phantom/i;

export const isBot = (userAgent: string) => userAgent === "" || BOT.test(userAgent);
