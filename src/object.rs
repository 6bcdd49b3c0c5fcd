//! What the host does with a live JS value it holds (an [`ObjectRef`]):
//! read and write properties, call methods with the right `this`, copy it
//! out, and await it when it is a Promise. Each operation is a host entry
//! like a call: it runs inside a TryCatch, can be stopped, and the
//! microtasks it queued run before it returns.

use crate::core::Core;
use crate::entry::{Call, Gateway};
use crate::error::{Error, Status};
use crate::event_loop;
use crate::isolate::{self, caught};
use crate::refs::ObjectRef;
use crate::value::{self, Args, Conv, Value};

/// Run `op` on the object `obj` names, as host entry `call`: `None` from
/// `op` means JS threw (the TryCatch has it).
fn on_object<R>(
    gw: &Gateway,
    core: &Core,
    call: Call,
    obj: &ObjectRef,
    op: impl FnOnce(&mut v8::PinScope, v8::Local<v8::Object>) -> Option<R>,
) -> Result<R, Error> {
    let result = gw.enter(call, |scope| {
        event_loop::settle_owed(scope, core);
        let value = core.refs.get(scope, obj).map_err(|m| Error::new(Status::Closed, m))?;
        let object = value
            .to_object(scope)
            .ok_or_else(|| Error::new(Status::Internal, "referenced value is not an object"))?;
        v8::tc_scope!(let tc, scope);
        match op(tc, object) {
            Some(out) if !tc.has_caught() => {
                event_loop::checkpoint(tc, core);
                if tc.has_terminated() {
                    return Err(caught!(tc, gw.vm(), Status::Exception, Some(&core.refs)));
                }
                Ok(out)
            }
            _ => Err(caught!(tc, gw.vm(), Status::Exception, Some(&core.refs))),
        }
    })?;
    event_loop::note_throw(core, &result);
    result
}

fn key<'s>(scope: &mut v8::PinScope<'s, '_>, key: &str) -> Option<v8::Local<'s, v8::Value>> {
    v8::String::new(scope, key).map(Into::into)
}

/// `obj[name]`, converted as `objects` says (see [`Conv`]).
pub(crate) fn get(gw: &Gateway, core: &Core, obj: &ObjectRef, name: &str, objects: bool) -> Result<Value, Error> {
    let conv = conv(core, objects);
    on_object(gw, core, Call::Step, obj, |scope, o| {
        let k = key(scope, name)?;
        let v = o.get(scope, k)?;
        value::from_v8(scope, v, conv)
    })
}

/// `obj[name] = value`.
pub(crate) fn set(gw: &Gateway, core: &Core, obj: &ObjectRef, name: &str, v: Value) -> Result<(), Error> {
    let mut bad = None;
    let result = on_object(gw, core, Call::Step, obj, |scope, o| {
        let k = key(scope, name)?;
        match value::into_v8(scope, v, Some(&core.refs)) {
            Ok(v) => o.set(scope, k, v).map(|_| ()),
            Err(m) => {
                bad = Some(m);
                Some(())
            }
        }
    });
    match bad {
        Some(m) => Err(Error::bad_input(format!("value: {m}"))),
        None => result,
    }
}

/// `name in obj`.
pub(crate) fn has(gw: &Gateway, core: &Core, obj: &ObjectRef, name: &str) -> Result<bool, Error> {
    on_object(gw, core, Call::Step, obj, |scope, o| {
        let k = key(scope, name)?;
        o.has(scope, k)
    })
}

/// `delete obj[name]`: whether the property is gone.
pub(crate) fn delete(gw: &Gateway, core: &Core, obj: &ObjectRef, name: &str) -> Result<bool, Error> {
    on_object(gw, core, Call::Step, obj, |scope, o| {
        let k = key(scope, name)?;
        o.delete(scope, k)
    })
}

/// `Object.keys(obj)`: own enumerable string keys, indices as strings.
pub(crate) fn keys(gw: &Gateway, core: &Core, obj: &ObjectRef) -> Result<Vec<String>, Error> {
    on_object(gw, core, Call::Step, obj, |scope, o| {
        let args = v8::GetPropertyNamesArgs {
            mode: v8::KeyCollectionMode::OwnOnly,
            property_filter: v8::PropertyFilter::ONLY_ENUMERABLE | v8::PropertyFilter::SKIP_SYMBOLS,
            index_filter: v8::IndexFilter::IncludeIndices,
            key_conversion: v8::KeyConversionMode::ConvertToString,
        };
        let names = o.get_own_property_names(scope, args)?;
        let mut out = Vec::with_capacity(names.length() as usize);
        for i in 0..names.length() {
            let name = names.get_index(scope, i)?;
            out.push(name.to_rust_string_lossy(scope));
        }
        Some(out)
    })
}

/// The referenced value itself, copied: JSON for plain objects (a cycle
/// or a throwing `toJSON` is that exception: the caller holds the object
/// already).
pub(crate) fn value(gw: &Gateway, core: &Core, obj: &ObjectRef) -> Result<Value, Error> {
    on_object(gw, core, Call::Step, obj, |scope, o| {
        value::from_v8(scope, o.into(), Conv::default())
    })
}

/// Call `obj.method(...args)` (`this` is `obj`), or `obj(...args)` when
/// `method` is `None` (`this` undefined); the result as `objects` says.
pub(crate) fn call(
    gw: &Gateway,
    core: &Core,
    obj: &ObjectRef,
    method: Option<&str>,
    mut args: Args,
    objects: bool,
    call_id: u64,
) -> Result<Value, Error> {
    let conv = conv(core, objects);
    let args = &mut args;
    let result = gw.enter(Call::Id(call_id), |scope| {
        event_loop::settle_owed(scope, core);
        let target = core.refs.get(scope, obj).map_err(|m| Error::new(Status::Closed, m))?;
        let (f, this) = match method {
            None => (target, None),
            Some(name) => {
                let object = target
                    .to_object(scope)
                    .ok_or_else(|| Error::new(Status::Internal, "referenced value is not an object"))?;
                let k = key(scope, name).ok_or_else(|| Error::bad_input("method name too long"))?;
                v8::tc_scope!(let tc, scope);
                let Some(f) = object.get(tc, k) else {
                    return Err(caught!(tc, gw.vm(), Status::Exception, Some(&core.refs)));
                };
                (f, Some(target))
            }
        };
        let Ok(f) = v8::Local::<v8::Function>::try_from(f) else {
            let what = method.unwrap_or("the object");
            return Err(Error::new(
                Status::Exception,
                format!("TypeError: {what} is not a function"),
            ));
        };
        let argv = args_to_v8(scope, core, args)?;
        let after = |s: &mut v8::PinScope, r: v8::Local<v8::Value>| event_loop::call_done(s, core, r, conv);
        let result = isolate::call_function_value(scope, gw.vm(), f, this, &argv, conv, after);
        event_loop::note_throw(core, &result);
        result
    })?;
    result
}

/// Call arguments into V8 (bytes move without a copy).
pub(crate) fn args_to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    core: &Core,
    args: &mut Args,
) -> Result<smallvec::SmallVec<[v8::Local<'s, v8::Value>; 8]>, Error> {
    let mut argv = smallvec::SmallVec::with_capacity(args.len());
    for a in args.drain(..) {
        argv.push(value::into_v8(scope, a, Some(&core.refs)).map_err(|m| Error::bad_input(format!("argument: {m}")))?);
    }
    Ok(argv)
}

/// What awaiting a value found: settled (its outcome), or still pending.
enum Peek {
    Settled(Result<Value, Error>),
    Pending,
}

/// `await obj`: a Promise's outcome, running this runtime's event loop
/// until it settles (a rejection is an EXCEPTION error); any other value
/// is its own result. The loop runs as `run(Default)` does, as call
/// `call_id`; when nothing in it can settle the promise any more the wait
/// ends with PENDING. Not from inside a callback of this runtime, unless
/// the promise has settled already.
pub(crate) fn await_settled(
    gw: &Gateway,
    core: &Core,
    obj: &ObjectRef,
    objects: bool,
    call_id: u64,
) -> Result<Value, Error> {
    let conv = conv(core, objects);
    let settled = |scope: &mut v8::PinScope| {
        let Ok(v) = core.refs.get(scope, obj) else { return true };
        v8::Local::<v8::Promise>::try_from(v).map_or(true, |p| p.state() != v8::PromiseState::Pending)
    };
    loop {
        let peek = gw.enter(Call::Id(call_id), |scope| {
            let v = core.refs.get(scope, obj).map_err(|m| Error::new(Status::Closed, m))?;
            let Ok(promise) = v8::Local::<v8::Promise>::try_from(v) else {
                return Ok(Peek::Settled(copy(scope, gw, v, conv)));
            };
            Ok(match promise.state() {
                v8::PromiseState::Pending => Peek::Pending,
                v8::PromiseState::Fulfilled => {
                    let v = promise.result(scope);
                    Peek::Settled(copy(scope, gw, v, conv))
                }
                v8::PromiseState::Rejected => {
                    promise.mark_as_handled();
                    let reason = promise.result(scope);
                    Peek::Settled(Err(isolate::exception_error(
                        scope,
                        reason,
                        Status::Exception,
                        Some(&core.refs),
                    )))
                }
            })
        })??;
        match peek {
            Peek::Settled(outcome) => return outcome,
            Peek::Pending if gw.entered_on_this_thread() => {
                return Err(Error::new(
                    Status::WrongThread,
                    "cannot wait for a pending promise inside a callback or a pinned call of its runtime",
                ))
            }
            Peek::Pending => {
                if !event_loop::run_until(gw, core, call_id, &settled)? {
                    return Err(Error::new(
                        Status::Pending,
                        "the promise is still pending and nothing in the event loop can settle it",
                    ));
                }
            }
        }
    }
}

fn copy(scope: &mut v8::PinScope, gw: &Gateway, v: v8::Local<v8::Value>, conv: Conv) -> Result<Value, Error> {
    let refs = conv.refs;
    v8::tc_scope!(let tc, scope);
    match value::from_v8(tc, v, conv) {
        Some(v) => Ok(v),
        None => Err(caught!(tc, gw.vm(), Status::Exception, refs)),
    }
}

/// The context's global object, referenced.
pub(crate) fn global(gw: &Gateway, core: &Core) -> Result<ObjectRef, Error> {
    gw.enter(Call::Step, |scope| {
        let global = scope.get_current_context().global(scope);
        core.refs.keep(scope, global.into())
    })
}

fn conv(core: &Core, objects: bool) -> Conv<'_> {
    if objects {
        Conv::objects(&core.refs)
    } else {
        Conv::with(&core.refs)
    }
}
