//! Unit tests of the unpickler on hand-written opcode streams.

use std::sync::Arc;

use super::*;

fn run(body: &[u8]) -> Result<PickleValue, PickleError> {
    let mut bytes = vec![0x80, 2];
    bytes.extend_from_slice(body);
    bytes.push(b'.');
    unpickle(&bytes, "test.pkl", None)
}

fn s(text: &str) -> PickleValue {
    PickleValue::Str(Arc::from(text))
}

#[test]
fn integers_of_every_width() {
    assert_eq!(run(b"K\xff").unwrap(), PickleValue::Int(255));
    assert_eq!(run(b"M\xff\xff").unwrap(), PickleValue::Int(65535));
    assert_eq!(run(b"J\xff\xff\xff\xff").unwrap(), PickleValue::Int(-1));
    assert_eq!(run(b"\x8a\x00").unwrap(), PickleValue::Int(0));
    assert_eq!(run(b"\x8a\x01\xff").unwrap(), PickleValue::Int(-1));
    assert_eq!(run(b"\x8a\x02\x00\x80").unwrap(), PickleValue::Int(-32768));
    assert_eq!(
        run(b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f").unwrap(),
        PickleValue::Int(i64::MAX)
    );
    assert_eq!(
        run(b"\x8b\x03\x00\x00\x00\x01\x00\x01").unwrap(),
        PickleValue::Int(0x01_0001)
    );
    assert_eq!(
        run(b"G\x3f\xf8\x00\x00\x00\x00\x00\x00").unwrap(),
        PickleValue::Float(1.5)
    );
}

#[test]
fn strings_and_bytes() {
    assert_eq!(run(b"X\x02\x00\x00\x00hi").unwrap(), s("hi"));
    assert_eq!(run(b"\x8c\x02hi").unwrap(), s("hi"));
    assert_eq!(
        run(b"\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi").unwrap(),
        s("hi")
    );
    assert_eq!(run(b"U\x02hi").unwrap(), s("hi"));
    assert_eq!(
        run(b"C\x02\x00\xff").unwrap(),
        PickleValue::Bytes(Arc::from(&[0u8, 255][..]))
    );
    assert_eq!(
        run(b"X\x02\x00\x00\x00\xff\xfe").unwrap_err().kind,
        PickleErrorKind::InvalidUtf8
    );
}

#[test]
fn containers() {
    assert_eq!(
        run(b"(K\x01K\x02l").unwrap(),
        PickleValue::List(vec![PickleValue::Int(1), PickleValue::Int(2)])
    );
    assert_eq!(
        run(b"]K\x01a").unwrap(),
        PickleValue::List(vec![PickleValue::Int(1)])
    );
    assert_eq!(
        run(b"(X\x01\x00\x00\x00aK\x01d").unwrap(),
        PickleValue::Dict(vec![(s("a"), PickleValue::Int(1))])
    );
    assert_eq!(
        run(b"}X\x01\x00\x00\x00aK\x01s").unwrap(),
        PickleValue::Dict(vec![(s("a"), PickleValue::Int(1))])
    );
    assert_eq!(
        run(b"K\x01K\x02K\x03\x87").unwrap(),
        PickleValue::Tuple(vec![
            PickleValue::Int(1),
            PickleValue::Int(2),
            PickleValue::Int(3)
        ])
    );
    assert_eq!(
        run(b"\x8f(K\x01\x90").unwrap(),
        PickleValue::Set(vec![PickleValue::Int(1)])
    );
    assert_eq!(
        run(b"(K\x01\x91").unwrap(),
        PickleValue::Set(vec![PickleValue::Int(1)])
    );
}

#[test]
fn stack_manipulation_and_memo() {
    assert_eq!(run(b"K\x01K\x020").unwrap(), PickleValue::Int(1));
    assert_eq!(run(b"K\x01(K\x02K\x031").unwrap(), PickleValue::Int(1));
    assert_eq!(
        run(b"K\x012\x86").unwrap(),
        PickleValue::Tuple(vec![PickleValue::Int(1), PickleValue::Int(1)])
    );
    assert_eq!(run(b"K\x07q\x030h\x03").unwrap(), PickleValue::Int(7));
    assert_eq!(
        run(b"K\x07r\x00\x00\x01\x000j\x00\x00\x01\x00").unwrap(),
        PickleValue::Int(7)
    );
    assert_eq!(run(b"K\x07\x940h\x00").unwrap(), PickleValue::Int(7));
    // FRAME is skipped
    assert_eq!(
        run(b"\x95\x02\x00\x00\x00\x00\x00\x00\x00K\x01").unwrap(),
        PickleValue::Int(1)
    );
}

#[test]
fn typed_lists_dicts_devices_and_ordered_dicts() {
    assert_eq!(
        run(b"ctorch.jit._pickle\nbuild_intlist\n]K\x01a\x85R").unwrap(),
        PickleValue::TypedList {
            type_tag: Arc::from("List[int]"),
            items: vec![PickleValue::Int(1)]
        }
    );
    assert_eq!(
        run(b"ctorch.jit._pickle\nrestore_type_tag\n}X\x09\x00\x00\x00Dict[a,b]\x86R").unwrap(),
        PickleValue::TypedDict {
            type_tag: Arc::from("Dict[a,b]"),
            items: vec![]
        }
    );
    assert_eq!(
        run(b"ctorch\ndevice\nX\x04\x00\x00\x00cuda\x85R").unwrap(),
        PickleValue::Device(Arc::from("cuda"))
    );
    assert_eq!(
        run(b"ctorch\ndevice\nX\x04\x00\x00\x00cudaK\x01\x86R").unwrap(),
        PickleValue::Device(Arc::from("cuda:1"))
    );
    assert_eq!(
        run(b"ccollections\nOrderedDict\n)R").unwrap(),
        PickleValue::Dict(vec![])
    );
    assert_eq!(
        run(b"ccollections\nOrderedDict\n](K\x01K\x02\x86e\x85R").unwrap(),
        PickleValue::Dict(vec![(PickleValue::Int(1), PickleValue::Int(2))])
    );
}

#[test]
fn objects_build_and_share_through_the_memo() {
    let body = b"c__torch__.m\nA\n)\x81}X\x01\x00\x00\x00xK\x01sbq\x00h\x00\x86";
    let PickleValue::Tuple(items) = run(body).unwrap() else {
        panic!("not a tuple")
    };
    let (PickleValue::Object(a), PickleValue::Object(b)) = (&items[0], &items[1]) else {
        panic!("not objects")
    };
    assert!(Arc::ptr_eq(a, b));
    assert_eq!(a.class_name, "__torch__.m.A");
    assert_eq!(a.attribute("x"), Some(&PickleValue::Int(1)));
    // STACK_GLOBAL of an allowed class
    let stacked = b"X\x09\x00\x00\x00__torch__X\x01\x00\x00\x00A\x93)\x81N";
    let mut with_build = stacked.to_vec();
    with_build.push(b'b');
    let PickleValue::Object(o) = run(&with_build).unwrap() else {
        panic!("not an object")
    };
    assert_eq!(o.class_name, "__torch__.A");
    assert_eq!(o.state, PickleValue::None);
    // an enum value
    assert_eq!(
        run(b"c__torch__\nColor\nK\x02R").unwrap(),
        PickleValue::Enum {
            class_name: Arc::from("__torch__.Color"),
            value: Box::new(PickleValue::Int(2))
        }
    );
}

#[test]
fn misuse_gives_typed_errors_with_offsets() {
    let err = run(b"K\x01K\x01a").unwrap_err();
    assert!(matches!(
        err.kind,
        PickleErrorKind::WrongType {
            opcode: "APPEND",
            ..
        }
    ));
    assert_eq!(err.offset, 6);
    assert_eq!(err.record, "test.pkl");
    assert!(err.to_string().starts_with("test.pkl at byte 6: APPEND"));
    assert!(matches!(
        run(b"K\x01b").unwrap_err().kind,
        PickleErrorKind::StackUnderflow { .. }
    ));
    assert!(matches!(
        run(b"]K\x01b").unwrap_err().kind,
        PickleErrorKind::WrongType {
            opcode: "BUILD",
            ..
        }
    ));
    assert!(matches!(
        run(b"I01\n").unwrap_err().kind,
        PickleErrorKind::UnknownOpcode { opcode: b'I' }
    ));
    assert!(matches!(
        run(b"ctorch\nFloatStorage\n)R").unwrap_err().kind,
        PickleErrorKind::BadCall { .. }
    ));
}

#[test]
fn custom_limits_apply() {
    let limits = PickleLimits {
        max_stack: 3,
        ..PickleLimits::default()
    };
    let err = unpickle_with_limits(b"\x80\x02NNNN", "x", None, limits).unwrap_err();
    assert!(matches!(
        err.kind,
        PickleErrorKind::LimitExceeded {
            limit: "stack size",
            ..
        }
    ));
    let limits = PickleLimits {
        max_memo: 1,
        ..PickleLimits::default()
    };
    let err = unpickle_with_limits(b"\x80\x02Nq\x00q\x01", "x", None, limits).unwrap_err();
    assert!(matches!(
        err.kind,
        PickleErrorKind::LimitExceeded {
            limit: "memo size",
            ..
        }
    ));
    let limits = PickleLimits {
        max_container_len: 2,
        ..PickleLimits::default()
    };
    let err = unpickle_with_limits(b"\x80\x02](NNNe", "x", None, limits).unwrap_err();
    assert!(matches!(
        err.kind,
        PickleErrorKind::LimitExceeded {
            limit: "container length",
            ..
        }
    ));
}
