using QRCoder;

namespace Latchkey.Desktop.Cli;

/// <summary>A QR code drawn with Unicode half blocks (two rows of modules a line), as an authenticator app scans it from a terminal.</summary>
internal static class TerminalQrCode
{
    public static string Render(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var code = new AsciiQRCode(data);
        return code.GetGraphicSmall(drawQuietZones: true, invert: false, endOfLine: Environment.NewLine) + Environment.NewLine;
    }
}
