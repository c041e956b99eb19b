using System.Text.Json.Nodes;
using Latchkey.Core.SignIn;
using Latchkey.Core.Time;
using Latchkey.Core.Users;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The Identity Engine's IDX response shapes (okta-api.md section 10.4): <c>version</c>, <c>stateHandle</c>,
/// <c>expiresAt</c>, <c>intent</c>, the <c>remediation</c> forms the current step offers, the authenticator being
/// challenged, <c>messages</c>, <c>cancel</c>, and <c>success</c> at the end. Built as JSON trees: the forms are data.
/// </summary>
public static class IdxResponses
{
    public const string MediaType = "application/ion+json; okta-version=1.0.0";
    public const string Accepts = "application/json; okta-version=1.0.0";
    public const string Version = "1.0.0";

    /// <summary>The response for the transaction's current step, with <paramref name="messages"/> (null: none).</summary>
    public static JsonObject ForState(SignInTransaction tx, string orgUrl, JsonArray? messages = null, SecondFactorView? factors = null,
        AuthenticatorApp.DeviceChallenge? challenge = null)
    {
        var body = Envelope(tx);
        var remediations = new JsonArray();
        var authenticator = PasswordAuthenticatorObject(tx.OrgId);
        switch (tx.State.Step)
        {
            case SignInStep.Identify:
                remediations.Add(Form("identify", $"{orgUrl}/idp/idx/identify", null,
                    Field("identifier", "Username", required: true),
                    new JsonObject { ["name"] = "rememberMe", ["type"] = "boolean", ["label"] = "Keep me signed in" },
                    StateHandleField(tx.Handle)));
                // Passwordless FastPass (okta-api.md §10.5): launching the app gives a device-challenge-poll.
                remediations.Add(Form("launch-authenticator", $"{orgUrl}/idp/idx/authenticators/okta-verify/launch", null,
                    new JsonObject { ["name"] = "rememberMe", ["type"] = "boolean", ["label"] = "Keep me signed in" }, StateHandleField(tx.Handle)));
                break;
            case SignInStep.DeviceChallenge:
                remediations.Add(Form("device-challenge-poll", $"{orgUrl}/idp/idx/authenticators/poll", null, StateHandleField(tx.Handle)));
                remediations[^1]!["relatesTo"] = "authenticatorChallenge";
                remediations[^1]!["refresh"] = PollMilliseconds;
                body["authenticatorChallenge"] = Wrap(ChallengeValue(tx, orgUrl, challenge));
                break;
            case SignInStep.Password:
                remediations.Add(Form("challenge-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticatorEnrollment"],
                    Credentials("Password"), StateHandleField(tx.Handle)));
                body["currentAuthenticatorEnrollment"] = Wrap(authenticator.DeepClone());
                body["authenticatorEnrollments"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray(authenticator.DeepClone()) };
                body["authenticators"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray(authenticator.DeepClone()) };
                break;
            case SignInStep.ChangePassword:
                remediations.Add(Form("reenroll-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticator"],
                    Credentials("New password"), StateHandleField(tx.Handle)));
                authenticator["settings"] = PasswordSettings();
                body["currentAuthenticator"] = Wrap(authenticator);
                messages ??= [];
                messages.Insert(0, Message("Your password has expired", "password.expired.title", "INFO"));
                break;
            case SignInStep.SelectAuthenticator or SignInStep.Authenticator when factors is not null:
                SecondFactor(body, remediations, tx, orgUrl, factors, ref messages);
                break;
        }

        if (tx.State.Step == SignInStep.Authenticator && factors?.CurrentMethod == Factors.FactorTypes.SignedNonce && body["currentAuthenticator"] is JsonObject current)
        {
            // FastPass as a second factor: the same challenge, under currentAuthenticator.value.contextualData.challenge.
            current["value"]!["contextualData"] = new JsonObject { ["challenge"] = Wrap(ChallengeValue(tx, orgUrl, challenge)) };
        }

        body["remediation"] = new JsonObject { ["type"] = "array", ["value"] = remediations };
        if (tx.State.Identifier is { } identifier)
        {
            // The identifier only, never the user id: the response is the same whether or not the user exists.
            body["user"] = Wrap(new JsonObject { ["identifier"] = identifier });
        }

        if (messages is { Count: > 0 })
        {
            body["messages"] = new JsonObject { ["type"] = "array", ["value"] = messages };
        }

        body["cancel"] = new JsonObject
        {
            ["rel"] = new JsonArray("create-form"), ["name"] = "cancel", ["href"] = $"{orgUrl}/idp/idx/cancel", ["method"] = "POST",
            ["produces"] = MediaType, ["value"] = new JsonArray(StateHandleField(tx.Handle)), ["accepts"] = Accepts,
        };
        return body;
    }

    /// <summary>
    /// The second-factor step: <c>select-authenticator-authenticate</c> with the user's authenticators (and their
    /// enrollments); once one is chosen, <c>challenge-authenticator</c> for a code or <c>challenge-poll</c> for a push
    /// (the number to match in <c>currentAuthenticator.value.contextualData.correctAnswer</c>), choosing another still offered.
    /// </summary>
    private static void SecondFactor(JsonObject body, JsonArray remediations, SignInTransaction tx, string orgUrl, SecondFactorView view, ref JsonArray? messages)
    {
        if (view.Enrolling is not null || view.Enrollable.Count > 0)
        {
            Enrollment(body, remediations, tx, orgUrl, view);
            return;
        }

        var options = new JsonArray();
        var enrollments = new JsonArray();
        for (var i = 0; i < view.Choices.Count; i++)
        {
            var choice = view.Choices[i];
            var methodOptions = new JsonArray(choice.Methods.Keys.Select(m => (JsonNode)new JsonObject { ["label"] = MethodLabel(m), ["value"] = m }).ToArray());
            options.Add(new JsonObject
            {
                ["label"] = choice.Authenticator.Name,
                ["value"] = new JsonObject
                {
                    ["form"] = new JsonObject
                    {
                        ["value"] = new JsonArray(
                            new JsonObject { ["name"] = "id", ["required"] = true, ["value"] = choice.Id, ["mutable"] = false },
                            new JsonObject { ["name"] = "methodType", ["type"] = "string", ["required"] = false, ["options"] = methodOptions }),
                    },
                },
                ["relatesTo"] = $"$.authenticatorEnrollments.value[{enrollments.Count}]",
            });
            if (choice.CredentialIds.Count > 0)
            {
                // A security key is one enrollment per credential, with its id (for allowCredentials).
                foreach (var credentialId in choice.CredentialIds)
                {
                    var enrollment = ChoiceObject(choice);
                    enrollment["credentialId"] = credentialId;
                    enrollments.Add(enrollment);
                }
            }
            else
            {
                enrollments.Add(ChoiceObject(choice));
            }
        }

        if (view.Current is { } current && view.CurrentMethod is { } method)
        {
            var value = ChoiceObject(current);
            value["methods"] = new JsonArray(new JsonObject { ["type"] = method });
            if (method is Factors.FactorTypes.Push or Factors.FactorTypes.SignedNonce)
            {
                remediations.Add(Form("challenge-poll", $"{orgUrl}/idp/idx/authenticators/poll", ["$.currentAuthenticator"], StateHandleField(tx.Handle)));
                remediations[^1]!["refresh"] = PollMilliseconds;
                if (view.CorrectAnswer is { } number)
                {
                    value["contextualData"] = new JsonObject { ["correctAnswer"] = number };
                }

                body["currentAuthenticator"] = Wrap(value);
            }
            else if (view.WebAuthnChallenge is { } key)
            {
                // As the Identity Engine asks a security key: the challenge in contextualData.challengeData, the
                // assertion's parts (base64url) in credentials, with the credential's id.
                remediations.Add(Form("challenge-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticator"],
                    new JsonObject
                    {
                        ["name"] = "credentials", ["type"] = "object", ["required"] = true,
                        ["form"] = new JsonObject
                        {
                            ["value"] = new JsonArray(
                                new JsonObject { ["name"] = "id", ["label"] = "Credential id", ["required"] = true, ["visible"] = false },
                                new JsonObject { ["name"] = "clientData", ["label"] = "Client Data", ["required"] = true, ["visible"] = false },
                                new JsonObject { ["name"] = "authenticatorData", ["label"] = "Authenticator Data", ["required"] = true, ["visible"] = false },
                                new JsonObject { ["name"] = "signatureData", ["label"] = "Signature Data", ["required"] = true, ["visible"] = false }),
                        },
                    },
                    StateHandleField(tx.Handle)));
                value["contextualData"] = new JsonObject
                {
                    ["challengeData"] = new JsonObject { ["challenge"] = key.Challenge, ["userVerification"] = key.UserVerification, ["extensions"] = new JsonObject() },
                };
                value["credentialIds"] = new JsonArray(current.CredentialIds.Select(id => (JsonNode)id).ToArray());
                body["currentAuthenticator"] = Wrap(value);
            }
            else
            {
                remediations.Add(Form("challenge-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticatorEnrollment"],
                    CodeCredentials(),
                    StateHandleField(tx.Handle)));
                body["currentAuthenticatorEnrollment"] = Wrap(value);
            }
        }

        if (view.Choices.Count > 0)
        {
            remediations.Add(Form("select-authenticator-authenticate", $"{orgUrl}/idp/idx/challenge", null,
                new JsonObject { ["name"] = "authenticator", ["type"] = "object", ["options"] = options }, StateHandleField(tx.Handle)));
        }
        else
        {
            messages ??= [];
            messages.Add(Message("A second factor is required, but none is set up for this account and the organization offers none to "
                + "set up here. Ask an administrator.", "idx.no.authenticator.enrolled"));
        }

        body["authenticators"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray(view.Choices.Select(c => (JsonNode)ChoiceObject(c, enrollment: false)).ToArray()) };
        body["authenticatorEnrollments"] = new JsonObject { ["type"] = "array", ["value"] = enrollments };
    }

    /// <summary>
    /// A user with no second factor enrolls one: <c>select-authenticator-enroll</c> with the authenticators they may set
    /// up; once one is chosen, <c>enroll-authenticator</c> for a code authenticator (its secret and QR code in
    /// <c>currentAuthenticator.value.contextualData</c>, the first code in <c>credentials.passcode</c>) or
    /// <c>enroll-poll</c> while the authenticator app enrolls with the activation link of its QR code.
    /// </summary>
    private static void Enrollment(JsonObject body, JsonArray remediations, SignInTransaction tx, string orgUrl, SecondFactorView view)
    {
        if (view.Enrolling is { } enrolling)
        {
            var current = EnrollObject(enrolling.Choice);
            var qr = new JsonObject { ["method"] = "embedded", ["href"] = enrolling.QrCodeDataUri, ["type"] = "image/png" };

            if (enrolling.ActivationData is { } creation)
            {
                // As the Identity Engine enrolls a security key: the creation options in contextualData.activationData,
                // the new credential's parts (base64url) in credentials.
                remediations.Add(Form("enroll-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticator"],
                    new JsonObject
                    {
                        ["name"] = "credentials", ["type"] = "object", ["required"] = true,
                        ["form"] = new JsonObject
                        {
                            ["value"] = new JsonArray(
                                new JsonObject { ["name"] = "clientData", ["label"] = "Client Data", ["required"] = true, ["visible"] = false },
                                new JsonObject { ["name"] = "attestation", ["label"] = "Attestation", ["required"] = true, ["visible"] = false }),
                        },
                    },
                    StateHandleField(tx.Handle)));
                current["contextualData"] = new JsonObject { ["activationData"] = JsonNode.Parse(creation) };
            }
            else if (enrolling.ActivationLink is { } link)
            {
                remediations.Add(Form("enroll-poll", $"{orgUrl}/idp/idx/challenge/poll", ["$.currentAuthenticator"], StateHandleField(tx.Handle)));
                remediations[^1]!["refresh"] = PollMilliseconds;
                current["contextualData"] = new JsonObject { ["qrcode"] = qr, ["selectedChannel"] = "qrcode", ["activationLink"] = link };
            }
            else
            {
                remediations.Add(Form("enroll-authenticator", $"{orgUrl}/idp/idx/challenge/answer", ["$.currentAuthenticator"],
                    CodeCredentials(),
                    StateHandleField(tx.Handle)));
                current["contextualData"] = new JsonObject { ["qrcode"] = qr, ["sharedSecret"] = enrolling.SharedSecret };
            }

            body["currentAuthenticator"] = Wrap(current);
        }

        var options = new JsonArray(view.Enrollable.Select((c, i) => (JsonNode)new JsonObject
        {
            ["label"] = c.Authenticator.Name,
            ["value"] = new JsonObject
            {
                ["form"] = new JsonObject
                {
                    ["value"] = new JsonArray(
                        new JsonObject { ["name"] = "id", ["required"] = true, ["value"] = c.Id, ["mutable"] = false },
                        new JsonObject { ["name"] = "methodType", ["required"] = false, ["value"] = c.Methods[0], ["mutable"] = false }),
                },
            },
            ["relatesTo"] = $"$.authenticators.value[{i}]",
        }).ToArray());
        remediations.Add(Form("select-authenticator-enroll", $"{orgUrl}/idp/idx/credential/enroll", null,
            new JsonObject { ["name"] = "authenticator", ["type"] = "object", ["options"] = options }, StateHandleField(tx.Handle)));
        body["authenticators"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray(view.Enrollable.Select(c => (JsonNode)EnrollObject(c)).ToArray()) };
        body["authenticatorEnrollments"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray() };
    }

    /// <summary>
    /// The loopback challenge (okta-api.md §10.5): <c>challengeRequest</c> (the org-signed JWT) only in the response that
    /// issued it (the server keeps only its nonce's hash), the ports to probe, and <c>cancel</c> for when no app answers.
    /// </summary>
    private static JsonObject ChallengeValue(SignInTransaction tx, string orgUrl, AuthenticatorApp.DeviceChallenge? challenge)
    {
        var value = new JsonObject { ["challengeMethod"] = "LOOPBACK" };
        if (challenge is not null)
        {
            value["challengeRequest"] = challenge.Request;
        }

        value["domain"] = "http://localhost";
        value["ports"] = new JsonArray(AuthenticatorApp.DeviceChallenge.LoopbackPorts.Select(p => (JsonNode)p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        value["probeTimeoutMillis"] = AuthenticatorApp.DeviceChallenge.ProbeTimeoutMillis;
        value["cancel"] = Form("cancel-polling", $"{orgUrl}/idp/idx/authenticators/poll/cancel", null,
            new JsonObject { ["name"] = "reason", ["type"] = "string", ["required"] = false },
            new JsonObject { ["name"] = "statusCode", ["type"] = "string", ["required"] = false },
            StateHandleField(tx.Handle));
        return value;
    }

    private static JsonObject CodeCredentials() => new()
    {
        ["name"] = "credentials", ["type"] = "object", ["required"] = true,
        ["form"] = new JsonObject { ["value"] = new JsonArray(new JsonObject { ["name"] = "passcode", ["label"] = "Enter code", ["required"] = true }) },
    };

    private static JsonObject EnrollObject(EnrollChoice c) => new()
    {
        ["type"] = c.Authenticator.Type, ["key"] = c.Authenticator.Key, ["id"] = c.Id, ["displayName"] = c.Authenticator.Name,
        ["methods"] = new JsonArray(c.Methods.Select(m => (JsonNode)new JsonObject { ["type"] = m }).ToArray()),
    };

    /// <summary>How often a client polls a push, in milliseconds.</summary>
    public const int PollMilliseconds = 2000;

    private static string MethodLabel(string method) => method switch
    {
        Factors.FactorTypes.Push => "Get a push notification",
        Factors.FactorTypes.WebAuthn => "Use a security key",
        Factors.FactorTypes.SignedNonce => "Use Okta FastPass",
        _ => "Enter a code",
    };

    private static JsonObject ChoiceObject(FactorChoice c, bool enrollment = true)
    {
        var o = new JsonObject
        {
            ["type"] = c.Authenticator.Type, ["key"] = c.Authenticator.Key, ["id"] = c.Id, ["displayName"] = c.Authenticator.Name,
            ["methods"] = new JsonArray(c.Methods.Keys.Select(m => (JsonNode)new JsonObject { ["type"] = m }).ToArray()),
        };
        if (enrollment && c.DeviceName is { } device)
        {
            o["profile"] = new JsonObject { ["deviceName"] = device };
        }

        return o;
    }

    /// <summary>The terminal response: the user signed in; the session is the <c>sid</c> cookie set with it.</summary>
    public static JsonObject Success(SignInTransaction tx, StartedSession session, string identifier, string orgUrl)
    {
        var body = Envelope(tx);
        body["expiresAt"] = IsoTime.Write(session.Session.ExpiresAt);
        body["user"] = Wrap(new JsonObject { ["id"] = session.Session.UserId, ["identifier"] = identifier });
        body["success"] = new JsonObject { ["name"] = "success-redirect", ["href"] = $"{orgUrl}/" };
        return body;
    }

    /// <summary>An error with no transaction to show (unknown, expired or used state handle; malformed request).</summary>
    public static JsonObject Error(params JsonObject[] messages) => new()
    {
        ["version"] = Version,
        ["messages"] = new JsonObject { ["type"] = "array", ["value"] = new JsonArray(messages.Select(m => (JsonNode)m).ToArray()) },
    };

    public static JsonObject Message(string text, string key, string messageClass = "ERROR") => new()
    {
        ["message"] = text, ["i18n"] = new JsonObject { ["key"] = key }, ["class"] = messageClass,
    };

    public static JsonObject SessionExpired() => Message("The session has expired.", "idx.session.expired");

    /// <summary>The one refusal of every failed password, whatever the reason (no account enumeration).</summary>
    public static JsonObject AuthenticationFailed() => Message("Authentication failed", "errors.E0000004");

    public static JsonObject AccessDenied() => Message("You do not have permission to perform the requested action.", "errors.E0000006");

    public static JsonObject TooManyRequests() => Message("Too many requests. Please try again later.", "tooManyRequests");

    private static JsonObject Envelope(SignInTransaction tx) => new()
    {
        ["version"] = Version,
        ["stateHandle"] = tx.Handle,
        ["expiresAt"] = IsoTime.Write(tx.State.ExpiresAt),
        ["intent"] = "LOGIN",
    };

    private static JsonObject Form(string name, string href, string[]? relatesTo, params JsonObject[] fields)
    {
        var form = new JsonObject
        {
            ["rel"] = new JsonArray("create-form"), ["name"] = name, ["href"] = href, ["method"] = "POST", ["produces"] = MediaType,
        };
        if (relatesTo is not null)
        {
            form["relatesTo"] = new JsonArray(relatesTo.Select(r => (JsonNode)r).ToArray());
        }

        form["value"] = new JsonArray(fields.Select(f => (JsonNode)f).ToArray());
        form["accepts"] = Accepts;
        return form;
    }

    private static JsonObject Field(string name, string label, bool required) => new() { ["name"] = name, ["label"] = label, ["required"] = required };

    private static JsonObject Credentials(string label) => new()
    {
        ["name"] = "credentials", ["type"] = "object", ["required"] = true,
        ["form"] = new JsonObject { ["value"] = new JsonArray(new JsonObject { ["name"] = "passcode", ["label"] = label, ["secret"] = true }) },
    };

    private static JsonObject StateHandleField(string handle) => new()
    {
        ["name"] = "stateHandle", ["required"] = true, ["value"] = handle, ["visible"] = false, ["mutable"] = false,
    };

    private static JsonObject Wrap(JsonNode value) => new() { ["type"] = "object", ["value"] = value };

    private static JsonObject PasswordAuthenticatorObject(string orgId) => new()
    {
        ["type"] = "password", ["key"] = PasswordAuthenticator.Key, ["id"] = PasswordAuthenticator.Id(orgId),
        ["displayName"] = PasswordAuthenticator.DisplayName, ["methods"] = new JsonArray(new JsonObject { ["type"] = "password" }),
    };

    /// <summary>The password policy's rules, as a client shows them next to the new-password field.</summary>
    private static JsonObject PasswordSettings()
    {
        var p = PasswordPolicy.Default;
        return new JsonObject
        {
            ["complexity"] = new JsonObject
            {
                ["minLength"] = p.MinLength, ["minLowerCase"] = p.RequireLowerCase ? 1 : 0, ["minUpperCase"] = p.RequireUpperCase ? 1 : 0,
                ["minNumber"] = p.RequireNumber ? 1 : 0, ["minSymbol"] = 0, ["excludeUsername"] = p.ExcludeUsername,
                ["excludeAttributes"] = new JsonArray(),
            },
            ["age"] = new JsonObject { ["minAgeMinutes"] = p.MinAgeMinutes, ["historyCount"] = p.HistoryCount },
        };
    }
}
