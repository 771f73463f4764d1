import Foundation

/// A wall-clock date and time for `strftime_now`, as Python's `datetime.now()` sees it.
public struct TemplateDate: Sendable, Equatable {
    /// Year, e.g. 2024.
    public var year: Int
    /// Month, 1...12.
    public var month: Int
    /// Day of the month, 1...31.
    public var day: Int
    /// Hour, 0...23.
    public var hour: Int
    /// Minute, 0...59.
    public var minute: Int
    /// Second, 0...59.
    public var second: Int
    /// Microsecond, 0...999_999.
    public var microsecond: Int

    /// A date; the time defaults to midnight.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// The current local date and time.
    public static func now() -> TemplateDate {
        let c = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: Date())
        return TemplateDate(
            year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0,
            second: c.second ?? 0, microsecond: (c.nanosecond ?? 0) / 1000)
    }

    /// 0 = Monday ... 6 = Sunday (Python's `weekday()`).
    var weekday: Int {
        let days = Self.daysFromCivil(year, month, day)
        return ((days % 7) + 7 + 3) % 7
    }

    /// 1-based day of the year.
    var dayOfYear: Int { Self.daysFromCivil(year, month, day) - Self.daysFromCivil(year, 1, 1) + 1 }

    /// Days since 1970-01-01 (proleptic Gregorian).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

/// C `strftime` in the C locale, for the directives Python documents.
enum Strftime {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func format(_ format: String, _ date: TemplateDate) -> String {
        func pad(_ v: Int, _ width: Int = 2, _ fill: Character = "0") -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
        }
        let monthName = months[min(max(date.month, 1), 12) - 1]
        let dayName = weekdays[date.weekday]
        let hour12 = date.hour % 12 == 0 ? 12 : date.hour % 12
        var out = ""
        var chars = Array(format)
        if chars.last == "%" { chars.removeLast() }
        var k = 0
        while k < chars.count {
            let c = chars[k]
            k += 1
            guard c == "%", k < chars.count else {
                out.append(c)
                continue
            }
            let d = chars[k]
            k += 1
            switch d {
            case "a": out += String(dayName.prefix(3))
            case "A": out += dayName
            case "b", "h": out += String(monthName.prefix(3))
            case "B": out += monthName
            case "d": out += pad(date.day)
            case "e": out += pad(date.day, 2, " ")
            case "m": out += pad(date.month)
            case "y": out += pad(((date.year % 100) + 100) % 100)
            case "Y": out += String(date.year)
            case "H": out += pad(date.hour)
            case "I": out += pad(hour12)
            case "M": out += pad(date.minute)
            case "S": out += pad(date.second)
            case "f": out += pad(date.microsecond, 6)
            case "p": out += date.hour < 12 ? "AM" : "PM"
            case "j": out += pad(date.dayOfYear, 3)
            case "w": out += String((date.weekday + 1) % 7)
            case "u": out += String(date.weekday + 1)
            case "D": out += pad(date.month) + "/" + pad(date.day) + "/" + pad(((date.year % 100) + 100) % 100)
            case "F": out += String(date.year) + "-" + pad(date.month) + "-" + pad(date.day)
            case "T": out += pad(date.hour) + ":" + pad(date.minute) + ":" + pad(date.second)
            case "R": out += pad(date.hour) + ":" + pad(date.minute)
            case "c":
                out += String(dayName.prefix(3)) + " " + String(monthName.prefix(3)) + " " + pad(date.day, 2, " ") + " "
                    + pad(date.hour) + ":" + pad(date.minute) + ":" + pad(date.second) + " " + String(date.year)
            case "x": out += pad(date.month) + "/" + pad(date.day) + "/" + pad(((date.year % 100) + 100) % 100)
            case "X": out += pad(date.hour) + ":" + pad(date.minute) + ":" + pad(date.second)
            case "n": out += "\n"
            case "t": out += "\t"
            case "z", "Z": break
            case "%": out += "%"
            default:
                out.append("%")
                out.append(d)
            }
        }
        return out
    }
}
