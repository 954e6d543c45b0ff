import nodemailer, { type Transporter } from "nodemailer";
import type { Channel } from "../rules.ts";
import { NotifyError, type Notice, type Notifier } from "./types.ts";

type EmailChannel = Extract<Channel, { type: "email" }>;

/** Email over SMTP (nodemailer): a subject that says what and where, a body with the numbers and the links. */
export function emailNotifier(options: {
  smtpUrl: string | undefined;
  from: string;
}): Notifier<EmailChannel> & { close(): void } {
  let transport: Transporter | undefined;
  return {
    async send(notice, channel) {
      if (!options.smtpUrl) throw new NotifyError("SMTP_URL is not set: cannot send alert email", false);
      transport ??= nodemailer.createTransport(options.smtpUrl);
      const message = emailMessage(notice);
      try {
        await transport.sendMail({
          from: options.from,
          to: channel.to,
          subject: message.subject,
          text: message.text,
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx from the server is about this message (bad recipient…); anything else may pass later.
        throw new NotifyError(`email to ${channel.to.join(", ")}: ${String(err)}`, !(code && code >= 500), {
          cause: err,
        });
      }
    },
    close() {
      transport?.close();
    },
  };
}

export function emailMessage(notice: Notice): { subject: string; text: string } {
  const { incident, rule } = notice;
  const tag = notice.action === "trigger" ? `[${rule.severity.toUpperCase()}]` : "[RESOLVED]";
  const subject = `${tag} ${incident.summary}`.slice(0, 240);
  const numbers = Object.entries(incident.details)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `  ${k.replaceAll("_", " ")}: ${v}`);
  const when = new Date(
    (notice.action === "trigger" ? incident.firedAt : incident.resolvedAt) ?? incident.evaluatedAt,
  ).toISOString();
  const lines = [
    notice.action === "trigger"
      ? `${rule.name} is firing since ${when}.`
      : `${rule.name} resolved at ${when}.`,
    "",
    incident.summary,
    "",
    "The numbers:",
    ...numbers,
    "",
    `Open the dashboard: ${notice.links.dashboard}`,
  ];
  if (notice.links.settings) lines.push(`Change or silence this rule: ${notice.links.settings}`);
  lines.push("", `Rule ${rule.id} (${rule.kind}), severity ${rule.severity}. Incident ${incident.dedupKey}.`);
  return { subject, text: lines.join("\n") };
}
