//! Microsoft's published endpoint feeds compiled into tables: the Microsoft 365 IP Address and
//! URL web service (`--m365`: an array of endpoint sets with `serviceArea`, `category`,
//! `urls`, `ips`, `tcpPorts`, `udpPorts`) and the Azure service tags file (`--service-tags`:
//! `values[].name`, `values[].properties.addressPrefixes`).
//!
//! Strict: a feed that is not the published shape, a selector (service area, category, tag)
//! the feed does not have, a non-canonical prefix, a URL form a host-name set cannot express
//! (`*` anywhere but a leading `*.`), or a bad port list is refused with an error naming the
//! endpoint set, and nothing is written.
//!
//! Tags and ports: the selected M365 endpoint sets are grouped by their port lists (`tcpPorts`
//! and `udpPorts` together); each group, in the order it first appears, gets the next tag bit
//! (at most 32 groups). A prefix or name in several sets carries every group's bit. The
//! groups' ports are written as a port table right after the table image in the output file
//! (see `tollgate_core::net::PortTable`), so `PortTable::allows(tags, protocol, port)` answers
//! for a compiled feed what `acs_allows` answers for the built-in ACS ranges. Service tags
//! carry no ports: the i-th `--tag` gets bit i, and no port table is written.

use serde_json::Value;
use std::collections::BTreeMap;
use tollgate_core::net::{self, PortRange, PortTable, Prefix, Protocol};

/// `--m365 FILE [--service-area AREA]... [--category C]...`.
#[derive(clap::Args, Default)]
pub struct M365Args {
    /// A Microsoft 365 endpoints feed (the JSON the IP Address and URL web service returns).
    #[arg(long = "m365", value_name = "FILE")]
    pub m365: Option<String>,
    /// Keep only endpoint sets of this service area (`Common`, `Exchange`, `SharePoint`,
    /// `Skype`, ...; must occur in the feed). Repeatable; all areas when absent.
    #[arg(long = "service-area", value_name = "AREA", requires = "m365")]
    pub service_areas: Vec<String>,
    /// Keep only endpoint sets of this category (`Optimize`, `Allow`, `Default`).
    /// Repeatable; all categories when absent.
    #[arg(long = "category", value_name = "C", requires = "m365")]
    pub categories: Vec<String>,
}

/// `--service-tags FILE --tag NAME [--tag NAME]...`.
#[derive(clap::Args, Default)]
pub struct ServiceTagArgs {
    /// An Azure service tags file (`ServiceTags_Public_*.json`).
    #[arg(long = "service-tags", value_name = "FILE", requires = "tags")]
    pub service_tags: Option<String>,
    /// A service tag to include (its `values[].name`, e.g. `AzureCommunicationServices`);
    /// the i-th gets tag bit i.
    #[arg(long = "tag", value_name = "NAME", requires = "service_tags")]
    pub tags: Vec<String>,
}

/// Read a file, or stdin for `-`.
pub fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// One M365 endpoint set, as far as tables need it.
#[derive(Debug)]
struct EndpointSet {
    id: u64,
    area: String,
    category: String,
    urls: Vec<String>,
    ips: Vec<String>,
    tcp: String,
    udp: String,
}

const CATEGORIES: [&str; 3] = ["Optimize", "Allow", "Default"];

fn strings(
    set: &serde_json::Map<String, Value>,
    key: &str,
    id: u64,
) -> Result<Vec<String>, String> {
    match set.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("endpoint set {id}: `{key}` holds a non-string"))
            })
            .collect(),
        Some(_) => Err(format!("endpoint set {id}: `{key}` is not an array")),
    }
}

fn text_member(
    set: &serde_json::Map<String, Value>,
    key: &str,
    id: u64,
    required: bool,
) -> Result<String, String> {
    match set.get(key) {
        None if !required => Ok(String::new()),
        None => Err(format!("endpoint set {id}: `{key}` is missing")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("endpoint set {id}: `{key}` is not a string")),
    }
}

fn parse_m365(text: &str) -> Result<Vec<EndpointSet>, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("invalid_feed: not JSON: {e}"))?;
    let Value::Array(items) = doc else {
        return Err("invalid_feed: a Microsoft 365 feed is a JSON array of endpoint sets".into());
    };
    let mut sets = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(set) = item else {
            return Err(format!("invalid_feed: element {i} is not an object"));
        };
        let id = set
            .get("id")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("invalid_feed: element {i} has no numeric `id`"))?;
        let e = EndpointSet {
            id,
            area: text_member(set, "serviceArea", id, true)?,
            category: text_member(set, "category", id, true)?,
            urls: strings(set, "urls", id)?,
            ips: strings(set, "ips", id)?,
            tcp: text_member(set, "tcpPorts", id, false)?,
            udp: text_member(set, "udpPorts", id, false)?,
        };
        if !CATEGORIES.contains(&e.category.as_str()) {
            return Err(format!(
                "invalid_feed: endpoint set {id}: unknown category {:?}",
                e.category
            ));
        }
        sets.push(e);
    }
    Ok(sets)
}

/// Parse `80,443` / `3478-3481` (empty: none).
fn parse_ports(text: &str, id: u64) -> Result<Vec<(u16, u16)>, String> {
    let bad = || format!("invalid_feed: endpoint set {id}: bad port list {text:?}");
    let port = |s: &str| -> Result<u16, String> {
        if s.is_empty()
            || !s.bytes().all(|b| b.is_ascii_digit())
            || (s.len() > 1 && s.starts_with('0'))
        {
            return Err(bad());
        }
        match s.parse::<u16>() {
            Ok(p) if p > 0 => Ok(p),
            _ => Err(bad()),
        }
    };
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b) = (port(a)?, port(b)?);
            if a > b {
                return Err(bad());
            }
            Ok((a, b))
        })
        .collect()
}

/// The selected endpoint sets, each with its tag bit.
type Selected = Vec<(EndpointSet, u32)>;

/// The selected endpoint sets with their tag bits, and the port table ranges.
fn select(args: &M365Args) -> Result<(Selected, Vec<PortRange>), String> {
    let path = args.m365.as_deref().unwrap_or("-");
    let sets = parse_m365(&read_input(path)?).map_err(|e| format!("{path}: {e}"))?;
    for area in &args.service_areas {
        if !sets.iter().any(|s| &s.area == area) {
            return Err(format!(
                "{path}: unknown_feed_selector: no service area {area:?} in the feed"
            ));
        }
    }
    for c in &args.categories {
        if !CATEGORIES.contains(&c.as_str()) {
            return Err(format!(
                "unknown_feed_selector: category {c:?} is not one of Optimize, Allow, Default"
            ));
        }
    }
    let mut groups: Vec<(String, String)> = Vec::new();
    let mut ranges = Vec::new();
    let mut chosen = Vec::new();
    for s in sets {
        let area_ok = args.service_areas.is_empty() || args.service_areas.contains(&s.area);
        let cat_ok = args.categories.is_empty() || args.categories.contains(&s.category);
        if !(area_ok && cat_ok) {
            continue;
        }
        let tcp = parse_ports(&s.tcp, s.id)?;
        let udp = parse_ports(&s.udp, s.id)?;
        let key = (s.tcp.clone(), s.udp.clone());
        let bit = match groups.iter().position(|g| *g == key) {
            Some(i) => i,
            None => {
                if groups.len() == 32 {
                    return Err(format!(
                        "{path}: the selected endpoint sets have more than 32 distinct port lists; select fewer"
                    ));
                }
                groups.push(key);
                let tags = 1u32 << (groups.len() - 1);
                for (protocol, list) in [(Protocol::Tcp, &tcp), (Protocol::Udp, &udp)] {
                    for &(first, last) in list {
                        ranges.push(PortRange {
                            tags,
                            protocol,
                            first,
                            last,
                        });
                    }
                }
                groups.len() - 1
            }
        };
        chosen.push((s, 1u32 << bit));
    }
    Ok((chosen, ranges))
}

/// 8-byte aligned bytes.
fn aligned(len: usize) -> Vec<u64> {
    vec![0u64; len.div_ceil(8)]
}

fn bytes_of(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: u64 storage viewed as its bytes.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), words.len() * 8) }
}

/// Append a port table of `ranges` to `image`.
fn with_ports(mut image: Vec<u8>, ranges: &[PortRange]) -> Result<Vec<u8>, String> {
    let len = net::port_table_len(ranges.len()).ok_or("too many port ranges")?;
    let mut words = aligned(len);
    let table = PortTable::build(bytes_of(&mut words), ranges).map_err(|e| e.to_string())?;
    let table_len = table.len();
    image.extend_from_slice(&bytes_of(&mut words)[..table_len]);
    Ok(image)
}

/// CIDR list text from prefixes and their tags (duplicates merged, tags OR-ed).
fn cidr_list(prefixes: &BTreeMap<(net::IpNumber, u8), (String, u32)>) -> String {
    prefixes
        .values()
        .map(|(p, t)| format!("{p} {t}\n"))
        .collect()
}

fn add_prefix(
    prefixes: &mut BTreeMap<(net::IpNumber, u8), (String, u32)>,
    text: &str,
    tags: u32,
    context: &str,
) -> Result<(), String> {
    let p = Prefix::parse(text).map_err(|e| format!("{context}: prefix {text:?}: {e}"))?;
    if !text.contains('/') {
        return Err(format!("{context}: prefix {text:?} has no length"));
    }
    let entry = prefixes
        .entry((p.address(), p.length()))
        .or_insert_with(|| (p.to_string(), 0));
    entry.1 |= tags;
    Ok(())
}

fn build_ipset(list: &str) -> Result<Vec<u8>, String> {
    let size = net::required_size(list).map_err(|e| e.to_string())?;
    let mut words = vec![0u128; size.div_ceil(16)];
    // SAFETY: u128 storage viewed as its bytes (16-byte aligned as table builds need).
    let storage = unsafe {
        std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 16)
    };
    let set = net::build(storage, list).map_err(|e| e.to_string())?;
    Ok(set.image().to_vec())
}

/// `compile-ipset --m365`: the image bytes (table then port table) and a summary line.
pub fn compile_m365_ipset(args: &M365Args) -> Result<(Vec<u8>, String), String> {
    let (sets, ranges) = select(args)?;
    let mut prefixes = BTreeMap::new();
    for (s, tags) in &sets {
        for ip in &s.ips {
            add_prefix(
                &mut prefixes,
                ip,
                *tags,
                &format!("invalid_feed: endpoint set {}", s.id),
            )?;
        }
    }
    let image = build_ipset(&cidr_list(&prefixes))?;
    let summary = format!(
        "{} endpoint sets, {} prefixes, {} port ranges, {} bytes",
        sets.len(),
        prefixes.len(),
        ranges.len(),
        image.len()
    );
    Ok((with_ports(image, &ranges)?, summary))
}

/// `compile-hostset --m365`: the image bytes (table then port table) and a summary line.
pub fn compile_m365_hostset(args: &M365Args) -> Result<(Vec<u8>, String), String> {
    let (sets, ranges) = select(args)?;
    let mut names: Vec<(String, u32)> = Vec::new();
    for (s, tags) in &sets {
        for url in &s.urls {
            let bare = url.strip_prefix("*.").unwrap_or(url);
            if tollgate_core::host::check_name(bare.as_bytes()).is_err() || bare.ends_with('.') {
                return Err(format!(
                    "invalid_feed: endpoint set {}: {url:?} is not a host name or `*.` wildcard a host-name set can hold",
                    s.id
                ));
            }
            let key = url.to_ascii_lowercase();
            match names.iter_mut().find(|(n, _)| *n == key) {
                Some(entry) => entry.1 |= tags,
                None => names.push((key, *tags)),
            }
        }
    }
    let list: String = names.iter().map(|(n, t)| format!("{n} {t}\n")).collect();
    let storage = crate::host::compile(&list)?;
    let image = storage.image().to_vec();
    let summary = format!(
        "{} endpoint sets, {} names, {} port ranges, {} bytes",
        sets.len(),
        names.len(),
        ranges.len(),
        image.len()
    );
    Ok((with_ports(image, &ranges)?, summary))
}

/// `compile-ipset --service-tags`: the image bytes and a summary line.
pub fn compile_service_tags(args: &ServiceTagArgs) -> Result<(Vec<u8>, String), String> {
    let path = args.service_tags.as_deref().unwrap_or("-");
    if args.tags.len() > 32 {
        return Err("at most 32 --tag (one tag bit each)".into());
    }
    let doc: Value = serde_json::from_str(&read_input(path)?)
        .map_err(|e| format!("{path}: invalid_feed: not JSON: {e}"))?;
    let values = doc
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{path}: invalid_feed: no `values` array"))?;
    let mut by_name: BTreeMap<&str, &Vec<Value>> = BTreeMap::new();
    for (i, v) in values.iter().enumerate() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}: invalid_feed: values[{i}] has no string `name`"))?;
        let prefixes = v
            .get("properties")
            .and_then(|p| p.get("addressPrefixes"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                format!("{path}: invalid_feed: {name}: no `properties.addressPrefixes` array")
            })?;
        if by_name.insert(name, prefixes).is_some() {
            return Err(format!(
                "{path}: invalid_feed: service tag {name:?} appears twice"
            ));
        }
    }
    let mut prefixes = BTreeMap::new();
    for (bit, tag) in args.tags.iter().enumerate() {
        let list = by_name.get(tag.as_str()).ok_or_else(|| {
            format!("{path}: unknown_feed_selector: no service tag {tag:?} in the file")
        })?;
        for p in list.iter() {
            let text = p
                .as_str()
                .ok_or_else(|| format!("{path}: invalid_feed: {tag}: a prefix is not a string"))?;
            add_prefix(
                &mut prefixes,
                text,
                1 << bit,
                &format!("{path}: invalid_feed: {tag}"),
            )?;
        }
    }
    let image = build_ipset(&cidr_list(&prefixes))?;
    let summary = format!(
        "{} tags, {} prefixes, {} bytes",
        args.tags.len(),
        prefixes.len(),
        image.len()
    );
    Ok((image, summary))
}
