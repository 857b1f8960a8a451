// The HTML page shell of the OAuth pages (inline style, no script, no external assets) and HTML escaping.
import Foundation

/// The page shell: readable on a phone, no external assets, no script.
enum HTMLPage {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func render(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Toolhost</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2129;margin:0;padding:1rem;line-height:1.5}
        main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
        h1{font-size:1.35rem;margin:0 0 1rem}
        label{display:block;margin:.75rem 0 .25rem;font-weight:600}
        input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.65rem;font-size:1rem;border:1px solid #c4c8cf;border-radius:8px}
        ul.scopes{list-style:none;padding:0;margin:1rem 0}
        ul.scopes li{padding:.6rem;border:1px solid #e1e4e8;border-radius:8px;margin-bottom:.5rem}
        ul.scopes label{display:flex;gap:.5rem;align-items:baseline;margin:0;font-weight:400;flex-wrap:wrap}
        .buttons{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}
        button{flex:1;min-width:8rem;padding:.75rem 1rem;font-size:1rem;border-radius:8px;border:1px solid #c4c8cf;background:#fff;cursor:pointer}
        button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}
        .muted{color:#5c6370;font-size:.9rem}
        .error{color:#b42318;background:#fef3f2;padding:.6rem;border-radius:8px}
        code{font-size:.85rem}
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }
}
